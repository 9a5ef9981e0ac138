// ShotGrid context for an event: what changed (old → new, or added/removed for
// multi-entity fields, from the event's meta), links to the site's pages, and copying.

import type { LinkView } from '../../../electron/contract.js';
import { toast, useStore } from '../store.js';

/** `{server}/detail/{Type}/{id}`: the site's page for an entity. */
export function siteUrl(server: string, to: Pick<LinkView, 'type' | 'id'>): string {
  return `${server.replace(/\/+$/, '')}/detail/${encodeURIComponent(to.type)}/${to.id}`;
}

export function SiteLink({ to, text }: { to: LinkView; text: string }) {
  const site = useStore((s) => s.engine?.site);
  if (!site) return <>{text}</>;
  return (
    <a href={siteUrl(site, to)} target="_blank" rel="noreferrer noopener" title={`Open ${to.type} ${to.id} on the site`}>
      {text}
    </a>
  );
}

/** Copies to the clipboard; a toast either way (never silent). */
export async function copyText(text: string, what: string): Promise<void> {
  try {
    if (navigator.clipboard?.writeText) await navigator.clipboard.writeText(text);
    else {
      const ta = document.createElement('textarea');
      ta.value = text;
      document.body.append(ta);
      ta.select();
      const ok = document.execCommand('copy');
      ta.remove();
      if (!ok) throw new Error('the browser refused');
    }
    toast(`Copied ${what}`);
  } catch (e) {
    toast(`Cannot copy ${what}: ${(e as Error).message}`, 'error');
  }
}

function isEntity(v: unknown): v is { type: string; id: number; name?: string | null } {
  return !!v && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string' && typeof (v as { id?: unknown }).id === 'number';
}

function Value({ v }: { v: unknown }) {
  if (v === null || v === undefined) return <span className="muted">empty</span>;
  if (isEntity(v))
    return <SiteLink to={{ type: v.type, id: v.id, name: v.name ?? null }} text={v.name ? `${v.type} ${v.name}` : `${v.type} #${v.id}`} />;
  if (Array.isArray(v)) {
    if (v.length === 0) return <span className="muted">none</span>;
    return (
      <>
        {(v as unknown[]).map((x, i) => (
          <span key={i}>
            {i > 0 && ', '}
            <Value v={x} />
          </span>
        ))}
      </>
    );
  }
  return <>{typeof v === 'string' ? v : JSON.stringify(v)}</>;
}

/** Old → new from `meta.old_value`/`new_value`; added/removed for multi-entity fields. */
export function EventChanges({ meta }: { meta: Record<string, unknown> | null }) {
  if (!meta) return null;
  const hasValues = 'old_value' in meta || 'new_value' in meta;
  const added = Array.isArray(meta.added) ? meta.added : null;
  const removed = Array.isArray(meta.removed) ? meta.removed : null;
  if (!hasValues && !added?.length && !removed?.length) return null;
  return (
    <section aria-label="Changes">
      <h3>Changes</h3>
      <div className="diff" data-testid="event-diff">
        {hasValues && (
          <>
            <span className="muted">old</span>
            <span className="old" data-testid="diff-old">
              <Value v={meta.old_value} />
            </span>
            <span className="muted">new</span>
            <span className="new" data-testid="diff-new">
              <Value v={meta.new_value} />
            </span>
          </>
        )}
        {added && added.length > 0 && (
          <>
            <span className="muted">added</span>
            <span className="new" data-testid="diff-added">
              <Value v={added} />
            </span>
          </>
        )}
        {removed && removed.length > 0 && (
          <>
            <span className="muted">removed</span>
            <span className="old" data-testid="diff-removed">
              <Value v={removed} />
            </span>
          </>
        )}
      </div>
    </section>
  );
}

// link_shot_to_sequence (port of the original examplePlugins/link_shot_to_sequence.py): when a
// Shot's code is set and its Sequence is empty, finds the Sequence its code names and links
// it. shotCodeRegex must match the Shot code; its group number sequenceCodeRegexGroup is the
// Sequence code, looked up in sequenceCodeField among the Shot project's Sequences (plus any
// sequenceFilters). E.g. "ABC0010" → Sequence "ABC".
//
// Demo mode: safe. It only fills an empty Sequence link (the demo traffic always sets one),
// and its own write is not a code change, so it never loops.
import type { CallbackContext, Entity, EventLogEntry, Filter, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface LinkShotToSequenceSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** A JavaScript regular expression (source text). */
  shotCodeRegex: string;
  sequenceCodeRegexGroup: number;
  sequenceCodeField: string;
  sequenceFilters: Filter[];
}

export const settings: LinkShotToSequenceSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  shotCodeRegex: '^([A-Za-z]{3})([0-9]{4})',
  sequenceCodeRegexGroup: 1,
  sequenceCodeField: 'code',
  sequenceFilters: [],
};

const PLUGIN = 'link_shot_to_sequence';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('shotCodeRegex')
    .number('sequenceCodeRegexGroup', { integer: true, min: 1 });
  c.string('sequenceCodeField').filters('sequenceFilters');
  let re: RegExp | null = null;
  try {
    re = new RegExp(s.shotCodeRegex);
  } catch (e) {
    c.fail('shotCodeRegex', `is not a valid regular expression: ${(e as Error).message}`);
  }
  // Number of capturing groups: an alternation with the empty string always matches.
  const groups = new RegExp(`${re!.source}|`).exec('')!.length - 1;
  if (s.sequenceCodeRegexGroup > groups) c.fail('sequenceCodeRegexGroup', `is more than the ${groups} group(s) of shotCodeRegex`);
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, linkShotToSequence, s, { matchEvents: { Shotgun_Shot_Change: ['code'] } });
}

async function linkShotToSequence(sg: Shotgun, event: EventLogEntry, s: LinkShotToSequenceSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  await checkFields(sg, PLUGIN, 'Sequence', [{ setting: 'sequenceCodeField', field: s.sequenceCodeField }], 'sequenceCodeField');
  const shot = await sg.findOne<{ type: string; id: number; code: string | null; sg_sequence: Entity | null; project: Entity | null }>(
    'Shot',
    [['id', 'is', id]],
    ['code', 'sg_sequence', 'project'],
  );
  if (!shot) {
    ctx.logger.warning('Shot %d not found, skipping', id);
    return;
  }
  if (!shot.code) return;
  if (shot.sg_sequence) {
    ctx.logger.debug("Shot '%s' (#%d) already has a Sequence", shot.code, id);
    return;
  }
  const m = new RegExp(s.shotCodeRegex).exec(shot.code);
  const code = m?.[s.sequenceCodeRegexGroup];
  if (!code) {
    ctx.logger.debug("Shot code '%s' (#%d) does not follow the naming convention", shot.code, id);
    return;
  }
  const filters: Filter[] = [['project', 'is', shot.project], [s.sequenceCodeField, 'is', code], ...s.sequenceFilters];
  const sequence = await sg.findOne('Sequence', filters, ['code']);
  if (!sequence) {
    ctx.logger.warning('No Sequence matches code %s (filters %j)', code, filters);
    return;
  }
  await sg.update('Shot', id, { sg_sequence: { type: 'Sequence', id: sequence.id } });
  ctx.logger.info("Linked Shot '%s' (#%d) to Sequence '%s' (#%d)", shot.code, id, sequence.code, sequence.id);
}

// A deterministic demo studio for the sandbox: people, pipeline steps, two projects with
// sequences, shots, assets, tasks, versions and notes. Every row is written through the
// store as the `admin` HumanUser, so the site starts with an EventLogEntry history
// (`_New` plus in_create `_Change` rows) exactly like a real one. A seeded PRNG (no
// Math.random, fixed dates) keeps row counts and values stable for tests.

import type { Auth } from './auth.js';
import type { Actor, Link, Row, SandboxStore } from './store.js';

/** Every seeded login's password. */
export const SEED_PASSWORD = 'sandbox';

export type SeedSize = 'demo' | 'minimal';

export interface SeedResult {
  size: SeedSize;
  /** The HumanUser every seed write was made as (login 'admin'). */
  admin: Actor;
  /** Every seeded HumanUser, admin first; logins[i] belongs to users[i]. */
  users: Actor[];
  logins: string[];
  /** Department per user (same order): 'Admin', 'Supervision', 'Production' or a step's. */
  departments: string[];
  projects: Link[];
  /** Rows created per entity type (the admin included, though it has no `_New` event). */
  counts: Record<string, number>;
  /** EventLogEntry ids written by the seed: firstEventId..lastEventId. */
  firstEventId: number;
  lastEventId: number;
  events: number;
}

/** mulberry32: tiny, fast, and the same sequence on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface StepSpec {
  code: string;
  short: string;
  entityType: 'Shot' | 'Asset';
  color: string;
  /** Department whose artists get the task. */
  dept: string;
  bidMins: number;
}

const STEPS: StepSpec[] = [
  { code: 'Layout', short: 'lay', entityType: 'Shot', color: '120,170,230', dept: 'Layout', bidMins: 480 },
  { code: 'Animation', short: 'anim', entityType: 'Shot', color: '230,160,60', dept: 'Animation', bidMins: 1920 },
  { code: 'Lighting', short: 'lgt', entityType: 'Shot', color: '240,220,90', dept: 'Lighting', bidMins: 960 },
  { code: 'Comp', short: 'comp', entityType: 'Shot', color: '110,200,120', dept: 'Comp', bidMins: 720 },
  { code: 'Model', short: 'mdl', entityType: 'Asset', color: '170,120,220', dept: 'Model', bidMins: 1440 },
  { code: 'Rig', short: 'rig', entityType: 'Asset', color: '220,110,140', dept: 'Rig', bidMins: 1200 },
  { code: 'Surfacing', short: 'surf', entityType: 'Asset', color: '90,200,200', dept: 'Surfacing', bidMins: 960 },
];

interface Person {
  login: string;
  first: string;
  last: string;
  dept: string;
}

// Fictional crew. Artists are grouped by the department that takes a step's tasks.
const CREW: Person[] = [
  { login: 'ada', first: 'Ada', last: 'Okafor', dept: 'Animation' },
  { login: 'bruno', first: 'Bruno', last: 'Tanaka', dept: 'Animation' },
  { login: 'chloe', first: 'Chloe', last: 'Marchetti', dept: 'Layout' },
  { login: 'dev', first: 'Dev', last: 'Raman', dept: 'Lighting' },
  { login: 'elena', first: 'Elena', last: 'Sokolova', dept: 'Comp' },
  { login: 'felix', first: 'Felix', last: 'Brandt', dept: 'Model' },
  { login: 'grace', first: 'Grace', last: 'Lindqvist', dept: 'Rig' },
  { login: 'hugo', first: 'Hugo', last: 'Pereira', dept: 'Surfacing' },
  { login: 'ines', first: 'Ines', last: 'Moreau', dept: 'Lighting' },
  { login: 'jonas', first: 'Jonas', last: 'Weber', dept: 'Comp' },
  { login: 'kara', first: 'Kara', last: 'Whitfield', dept: 'Supervision' },
  { login: 'luis', first: 'Luis', last: 'Ortega', dept: 'Supervision' },
  { login: 'maya', first: 'Maya', last: 'Chen', dept: 'Production' },
];

interface ProjectSpec {
  name: string;
  code: string;
  sequences: Array<{ code: string; description: string }>;
  assets: Array<{ code: string; type: 'Character' | 'Prop' | 'Environment' | 'Vehicle' | 'FX'; description: string }>;
}

const PROJECTS: ProjectSpec[] = [
  {
    name: 'Big Buck Bunny',
    code: 'bbb',
    sequences: [
      { code: 'bbb_010', description: 'Morning in the meadow' },
      { code: 'bbb_020', description: 'The bullies arrive' },
      { code: 'bbb_030', description: 'Traps in the forest' },
    ],
    assets: [
      { code: 'Bunny', type: 'Character', description: 'The big, gentle rabbit' },
      { code: 'Frank', type: 'Character', description: 'Flying squirrel, ringleader' },
      { code: 'Rinky', type: 'Character', description: 'Red squirrel' },
      { code: 'Gimera', type: 'Character', description: 'Chinchilla' },
      { code: 'Butterfly', type: 'Character', description: 'Blue butterfly' },
      { code: 'Apple', type: 'Prop', description: 'Windfall apple' },
      { code: 'SpikedClub', type: 'Prop', description: 'Hand-made wooden weapon' },
      { code: 'Meadow', type: 'Environment', description: 'Open meadow with the burrow' },
      { code: 'TreeTrunk', type: 'Environment', description: 'Hollow tree by the river' },
    ],
  },
  {
    name: 'Sintel',
    code: 'sin',
    sequences: [
      { code: 'sin_010', description: 'Snowy mountain pass' },
      { code: 'sin_020', description: 'Market town flashback' },
      { code: 'sin_030', description: "The dragon's lair" },
    ],
    assets: [
      { code: 'Sintel', type: 'Character', description: 'The heroine' },
      { code: 'Scales', type: 'Character', description: 'Baby dragon' },
      { code: 'Shaman', type: 'Character', description: 'Old mountain shaman' },
      { code: 'Staff', type: 'Prop', description: "Sintel's staff" },
      { code: 'DragonEgg', type: 'Prop', description: 'Cracked egg shell' },
      { code: 'Mountains', type: 'Environment', description: 'Snowy peaks and pass' },
      { code: 'Lair', type: 'Environment', description: 'Cave with bones' },
    ],
  },
];

const NOTE_LINES = [
  'Timing feels a touch slow in the first half, can we pull it up by 4 frames?',
  'Nice. Approved for lighting.',
  'Contact shadows are missing under the feet.',
  'Edge of the matte is chattering around frame 1040.',
  'Eyeline is off, should look screen left at the apple.',
  'Please match the key light direction to the previous shot.',
  'Fur looks too glossy in the close-up.',
  'Love the anticipation on the jump. Push the overshoot a little more.',
  'Camera shake is distracting, halve the amplitude.',
  'Colour is drifting warm compared to the sequence reference.',
];

const BASE_DAY = Date.UTC(2025, 0, 6);
const day = (n: number): string => new Date(BASE_DAY + n * 86_400_000).toISOString().slice(0, 10);

/**
 * Seeds `store` (normally empty) with a studio. 'demo': 14 people, 7 steps, 2 projects,
 * 6 sequences, ~45 shots, 16 assets (made from a task template) and their tasks, versions
 * and notes. 'minimal' (fast, for tests): admin + one artist, 2 steps, 1 project, 1
 * sequence, 2 shots with 2 tasks each, a version and a note per started task.
 */
export function seedDemo(store: SandboxStore, auth: Auth, opts: { size?: SeedSize } = {}): SeedResult {
  const size: SeedSize = opts.size ?? 'demo';
  const rand = prng(size === 'demo' ? 0x5eed : 0x5eed + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

  const startEvents = store.eventCount;
  const firstEventId = store.lastEventId + 1;
  const counts: Record<string, number> = {};

  // The site's bootstrap account exists before any history, as on a real site: it is
  // made by Auth (as the internal ApiUser 0, which writes no events). Everything after
  // is written as this user, so every write below makes EventLogEntry rows.
  const admin = auth.addUser('admin', SEED_PASSWORD, 'Admin User');
  counts.HumanUser = 1;
  const make = (type: string, data: Record<string, unknown>, as: Actor = admin): Row => {
    counts[type] = (counts[type] ?? 0) + 1;
    return store.create(type, data, as);
  };
  const link = (r: Row): Link => ({ type: r.type, id: r.id });

  // ---------------------------------------------------------------- people
  const crew = size === 'demo' ? CREW : CREW.filter((p) => p.login === 'ada');
  const users: Actor[] = [admin];
  const logins = ['admin'];
  const departments = ['Admin'];
  const byDept = new Map<string, Link[]>();
  for (const p of crew) {
    const row = make('HumanUser', {
      login: p.login,
      name: `${p.first} ${p.last}`,
      firstname: p.first,
      lastname: p.last,
      email: `${p.login}@sandbox.local`,
      department: p.dept,
    });
    auth.addUser(p.login, SEED_PASSWORD);
    users.push({ type: 'HumanUser', id: row.id });
    logins.push(p.login);
    departments.push(p.dept);
    byDept.set(p.dept, [...(byDept.get(p.dept) ?? []), link(row)]);
  }
  const everyone = users.map((u) => ({ type: u.type, id: u.id }));
  const supervisors = byDept.get('Supervision') ?? [];
  const artistsFor = (dept: string): Link[] => byDept.get(dept) ?? byDept.get('Animation') ?? [];

  if (size === 'demo') {
    make('Group', { code: 'Animators', users: artistsFor('Animation') });
    make('Group', { code: 'Supervisors', users: supervisors });
  }

  // ---------------------------------------------------------------- steps
  const steps = new Map<string, Row>();
  const stepSpecs = size === 'demo' ? STEPS : STEPS.filter((s) => s.code === 'Animation' || s.code === 'Comp');
  for (const s of stepSpecs) {
    steps.set(s.code, make('Step', { code: s.code, short_name: s.short, entity_type: s.entityType, color: s.color }));
  }
  const shotSteps = stepSpecs.filter((s) => s.entityType === 'Shot');
  const assetSteps = stepSpecs.filter((s) => s.entityType === 'Asset');

  // ---------------------------------------------------------------- task template
  // The demo's Assets are made from a TaskTemplate, as on a real site: each Asset links it
  // and each of its Tasks links the template Task it came from. Flipping the template's
  // sg_plugins to "Update linked entities" runs plugins/update_task_template_entities.ts.
  let assetTemplate: Link | null = null;
  const templateTasks = new Map<string, Link>();
  if (size === 'demo') {
    assetTemplate = link(
      make('TaskTemplate', { code: 'Asset - Standard', description: 'Model, rig and surface an asset.', entity_type: 'Asset', sg_plugins: 'N/A' }),
    );
    for (const s of assetSteps) {
      templateTasks.set(
        s.code,
        link(make('Task', { content: s.code, task_template: assetTemplate, step: link(steps.get(s.code)!), est_in_mins: s.bidMins })),
      );
    }
  }

  // ---------------------------------------------------------------- projects
  const projects: Link[] = [];
  const specs = size === 'demo' ? PROJECTS : [{ ...PROJECTS[0]!, sequences: PROJECTS[0]!.sequences.slice(0, 1), assets: [] }];
  let dayOffset = 0;
  for (const spec of specs) {
    const project = make('Project', {
      name: spec.name,
      code: spec.code,
      tank_name: spec.code,
      sg_description: `Open movie production "${spec.name}" (sandbox demo data).`,
      users: everyone,
    });
    const proj = link(project);
    projects.push(proj);

    // Tasks and their progress: a shot's `progress` (0..1) says how far down its steps
    // work has got, so earlier steps are finished and later ones waiting, as on a show.
    const makeTasks = (entity: Row, stepList: StepSpec[], progress: number, start: number): Row[] => {
      const tasks: Row[] = [];
      stepList.forEach((s, i) => {
        const done = progress * stepList.length - i;
        const status =
          done >= 1 ? pick(['fin', 'fin', 'apr', 'cmpt']) : done > 0.5 ? pick(['rev', 'ip']) : done > 0 ? 'ip' : done > -1 ? 'rdy' : 'wtg';
        const artists = artistsFor(s.dept);
        const assignee = artists.length ? [pick(artists)] : [];
        const startDay = start + i * 5;
        tasks.push(
          make('Task', {
            project: proj,
            content: s.code,
            entity: link(entity),
            step: link(steps.get(s.code)!),
            sg_status_list: status,
            task_assignees: assignee,
            start_date: day(startDay),
            due_date: day(startDay + int(3, 8)),
            est_in_mins: s.bidMins,
            ...(entity.type === 'Asset' && templateTasks.has(s.code) ? { template_task: templateTasks.get(s.code) } : {}),
          }),
        );
      });
      return tasks;
    };

    // Versions for tasks that have started; the newest of a finished task is approved.
    const makeVersions = (entity: Row, tasks: Row[], first: number, last: number, kind: string): Row[] => {
      const out: Row[] = [];
      for (const task of tasks) {
        const status = task.data.sg_status_list as string;
        if (status === 'wtg' || status === 'rdy') continue;
        const finished = status === 'fin' || status === 'apr' || status === 'cmpt';
        const n = size === 'minimal' ? 1 : finished ? int(2, 3) : int(1, 2);
        const short = STEPS.find((s) => s.code === task.data.content)!.short;
        const assignees = task.data.task_assignees as Link[];
        for (let v = 1; v <= n; v++) {
          const code = `${String(entity.data.code)}_${short}_v${String(v).padStart(3, '0')}`;
          const base = `/mnt/projects/${spec.code}/${kind}/${String(entity.data.code)}/${short}/v${String(v).padStart(3, '0')}`;
          out.push(
            make('Version', {
              project: proj,
              code,
              entity: link(entity),
              sg_task: link(task),
              user: assignees[0] ?? everyone[0],
              description:
                v === 1 ? `First pass of ${String(task.data.content).toLowerCase()}` : `Addressed notes from v${String(v - 1).padStart(3, '0')}`,
              sg_status_list: v < n ? pick(['vwd', 'rej']) : finished ? 'apr' : 'rev',
              sg_first_frame: first,
              sg_last_frame: last,
              frame_count: last - first + 1,
              frame_range: `${first}-${last}`,
              sg_path_to_frames: `${base}/${code}.%04d.exr`,
              sg_path_to_movie: `${base}/${code}.mov`,
              sg_uploaded_movie_frame_rate: 24,
              sg_version_type: 'Dailies',
              sg_superseded: v < n,
            }),
          );
        }
      }
      return out;
    };

    const makeNote = (version: Row, shotOrAsset: Row): Row => {
      const author = supervisors.length ? pick(supervisors) : everyone[0]!;
      const to = version.data.user as Link;
      return make('Note', {
        project: proj,
        subject: `${String(version.data.code)} notes`,
        content: pick(NOTE_LINES),
        note_links: [link(version), link(shotOrAsset)],
        tasks: [version.data.sg_task as Link],
        addressings_to: [to],
        addressings_cc: supervisors.filter((s) => s.id !== author.id).slice(0, 1),
        user: author,
        sg_note_type: 'Dailies',
        sg_status_list: version.data.sg_status_list === 'apr' ? 'clsd' : 'opn',
      });
    };

    // Assets first, so shots can list the characters and sets they use.
    const assets: Row[] = [];
    for (const a of spec.assets) {
      const progress = rand();
      const asset = make('Asset', {
        project: proj,
        code: a.code,
        sg_asset_type: a.type,
        description: a.description,
        sg_status_list: progress > 0.95 ? 'fin' : progress > 0.1 ? 'ip' : 'wtg',
        ...(assetTemplate ? { task_template: assetTemplate } : {}),
      });
      assets.push(asset);
      const tasks = makeTasks(asset, assetSteps, progress, dayOffset);
      const versions = makeVersions(asset, tasks, 1001, 1100, 'assets');
      for (const v of versions) if (rand() < 0.25) makeNote(v, asset);
    }

    let cutOrder = 0;
    spec.sequences.forEach((sq, si) => {
      const seqProgress = Math.max(0, 1 - si * 0.35 - rand() * 0.15);
      const sequence = make('Sequence', {
        project: proj,
        code: sq.code,
        description: sq.description,
        sg_status_list: seqProgress > 0.9 ? 'fin' : seqProgress > 0.2 ? 'ip' : 'wtg',
      });
      const shotCount = size === 'demo' ? int(6, 9) : 2;
      const cast = assets.filter((a) => a.data.sg_asset_type !== 'Prop');
      for (let n = 1; n <= shotCount; n++) {
        const duration = int(24, 160);
        const cutIn = 1001;
        const cutOut = cutIn + duration - 1;
        const progress = Math.min(1, Math.max(0, seqProgress + (rand() - 0.5) * 0.4));
        const shotAssets = cast.length ? [...new Set([pick(cast), pick(cast)])].map(link) : [];
        const shot = make('Shot', {
          project: proj,
          code: `${sq.code}_${String(n * 10).padStart(4, '0')}`,
          description: `${sq.description}, shot ${n}`,
          sg_sequence: link(sequence),
          sg_status_list: progress >= 1 ? 'fin' : progress > 0.05 ? 'ip' : 'wtg',
          sg_cut_in: cutIn,
          sg_cut_out: cutOut,
          sg_cut_duration: duration,
          sg_cut_order: ++cutOrder,
          sg_head_in: cutIn - 8,
          sg_tail_out: cutOut + 8,
          sg_working_duration: duration + 16,
          sg_frame_rate: 24,
          assets: shotAssets,
        });
        const tasks = makeTasks(shot, shotSteps, progress, dayOffset + si * 10);
        const versions = makeVersions(shot, tasks, cutIn, cutOut, 'shots');
        for (const v of versions) if (size === 'minimal' || rand() < 0.3) makeNote(v, shot);
      }
    });
    dayOffset += 14;
  }

  return {
    size,
    admin,
    users,
    logins,
    departments,
    projects,
    counts,
    firstEventId,
    lastEventId: store.lastEventId,
    events: store.eventCount - startEvents,
  };
}

// The script the example plugins run as in demo mode (`shotgun-events run` with no site):
// the built-in sandbox registers it. Files starting with "_" are not plugins.
export const DEMO_SCRIPT = { name: 'shotgun_events_demo', key: 'demo-plugin-key' };

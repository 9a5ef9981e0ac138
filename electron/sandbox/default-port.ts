// The sandbox's default port, alone in its module: the CLI names it in `sandbox --help` without
// loading the sandbox itself (docs/performance.md, "Memory, round 5").

/** The documented default port of `shotgun-events sandbox`. */
export const DEFAULT_SANDBOX_PORT = 8790;

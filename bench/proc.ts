// What a benchmark reads about a child process from Linux /proc (null elsewhere).
import { readFileSync } from 'node:fs';

/** Resident memory of a process, MB. */
export function rssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, ms: all threads, or its main thread only. */
export function cpuMs(pid: number | undefined, mainThreadOnly = false): number | null {
  if (!pid) return null;
  return cpuMsOfStat(mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`);
}

/** utime + stime of a /proc stat file (a process or one of its threads), ms; null if unreadable. */
export function cpuMsOfStat(file: string): number | null {
  try {
    const stat = readFileSync(file, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime), counted from after the command name: indexes 11, 12.
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/**
 * Finds the Prometheus and Alertmanager executables on PATH: Debian's names (`prometheus`,
 * `prometheus-alertmanager`) or the upstream tarballs' (`prometheus`, `alertmanager`).
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export interface Binaries {
  prometheus: string;
  alertmanager: string;
}

export class MissingBinaryError extends Error {}

/** The first executable file called one of `names` in the PATH's directories, in PATH order per name. */
export function findOnPath(names: readonly string[], pathVar = process.env.PATH ?? ''): string | undefined {
  const dirs = pathVar.split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      try {
        if (!statSync(file).isFile()) continue;
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Both binaries, or a MissingBinaryError naming what is missing and the Debian packages that provide it. */
export function findBinaries(pathVar = process.env.PATH ?? ''): Binaries {
  const prometheus = findOnPath(['prometheus'], pathVar);
  const alertmanager = findOnPath(['prometheus-alertmanager', 'alertmanager'], pathVar);
  const missing = [
    ...(prometheus ? [] : ['`prometheus` (Debian package prometheus)']),
    ...(alertmanager ? [] : ['`prometheus-alertmanager` or `alertmanager` (Debian package prometheus-alertmanager)']),
  ];
  if (missing.length)
    throw new MissingBinaryError(
      `npm run stack needs Prometheus and Alertmanager on PATH; not found: ${missing.join(', ')}.\n` +
        '  Debian/Ubuntu: sudo apt-get install prometheus prometheus-alertmanager\n' +
        '  elsewhere: put the upstream release binaries (prometheus, alertmanager) on PATH',
    );
  return { prometheus: prometheus!, alertmanager: alertmanager! };
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder, from sources (adapters/admin) or the build (dist/adapters/admin). */
export function packageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up2 = path.resolve(here, '..', '..');
  return path.basename(up2) === 'dist' ? path.dirname(up2) : up2;
}

/** Where `npm run build` puts the admin UI. */
export function adminUiFolder(): string {
  return path.join(packageRoot(), 'dist', 'admin-ui');
}

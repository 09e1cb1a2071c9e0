import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared media folder the project's guides name (../shared/media beside the
 * checkout): Apple's hinted sample movie is read there, never copied into the project.
 * A checkout elsewhere points at it with STREAMHOUSE_SHARED_MEDIA.
 */
const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedMediaFolder = path.resolve(process.env.STREAMHOUSE_SHARED_MEDIA ?? path.join(checkout, '..', 'shared', 'media'));

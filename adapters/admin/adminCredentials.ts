import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ADMIN_USER, DEFAULT_ADMIN_PASSWORD } from '../../domain/admin/adminApi.js';
import { writeFileAtomic } from '../auth/atomicWrite.js';

/**
 * The admin password, as QTSS had it: one user, `streamingadmin`, whose password is
 * `default` until changed. Kept hashed with scrypt in `<data>/admin/password.json`
 * (mode 600); no file means the default password.
 */
interface PasswordRecord {
  readonly user: string;
  readonly scheme: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: string;
  readonly hash: string;
  readonly changedAt: string;
}

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_BYTES = 64;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))));
}

async function hashPassword(password: string): Promise<PasswordRecord> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return { user: ADMIN_USER, scheme: 'scrypt', ...PARAMS, salt: salt.toString('base64'), hash: key.toString('base64'), changedAt: new Date().toISOString() };
}

export class AdminCredentials {
  private record: PasswordRecord | null = null;
  private isDefault = true;

  private constructor(private readonly file: string) {}

  static async open(dataFolder: string): Promise<AdminCredentials> {
    const credentials = new AdminCredentials(path.join(dataFolder, 'admin', 'password.json'));
    try {
      const json = JSON.parse(await readFile(credentials.file, 'utf8')) as PasswordRecord;
      if (json.scheme !== 'scrypt' || typeof json.hash !== 'string' || typeof json.salt !== 'string') throw new Error(`${credentials.file}: not a password record`);
      credentials.record = json;
      credentials.isDefault = false;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // No password set: the default one, hashed like any other so checking it takes as long.
      credentials.record = await hashPassword(DEFAULT_ADMIN_PASSWORD);
      credentials.isDefault = true;
    }
    return credentials;
  }

  get user(): string {
    return this.record?.user ?? ADMIN_USER;
  }

  /** True while the password is still `default`: the admin then answers loopback clients only. */
  get passwordIsDefault(): boolean {
    return this.isDefault;
  }

  async verify(user: string, password: string): Promise<boolean> {
    const record = this.record!;
    const key = await derive(password, Buffer.from(record.salt, 'base64'), record);
    const expected = Buffer.from(record.hash, 'base64');
    const match = key.length === expected.length && timingSafeEqual(key, expected);
    return match && user === record.user;
  }

  async change(password: string): Promise<void> {
    const record = await hashPassword(password);
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify(record, null, 2)}\n`, { newFileMode: 0o600 });
    this.record = record;
    this.isDefault = false;
  }
}

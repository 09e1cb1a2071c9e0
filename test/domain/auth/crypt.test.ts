import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bitsToBytes, bytesToBits, desEncryptBlock, desKeySchedule, S_BOXES } from '../../../domain/auth/crypt/des.js';
import { desCrypt } from '../../../domain/auth/crypt/desCrypt.js';
import { md5Crypt } from '../../../domain/auth/crypt/md5Crypt.js';
import { createCryptHash, cryptFormatOf, CRYPT_SALT_BYTES, verifyCryptPassword } from '../../../domain/auth/crypt/passwordHash.js';
import { parseShaCryptSetting, shaCrypt } from '../../../domain/auth/crypt/shaCrypt.js';

/**
 * Vectors generated when these tests were written, by glibc/libxcrypt crypt(3)
 * (Python 3.11's crypt module on Debian 12) and by `openssl passwd -1/-5/-6`;
 * OpenSSL 3 no longer has `passwd -crypt`, so DES vectors come from glibc only.
 */
const VECTORS: Array<{ source: string; password: string; hash: string }> = [
  { source: "glibc", password: "aGFja21l", hash: "0muym.z3yrHSw" },
  { source: "glibc", password: "", hash: "..X8NBuQ4l6uQ" },
  { source: "glibc", password: "a", hash: "zzJZ5PtvFqi9o" },
  { source: "glibc", password: "password", hash: "abJnggxhB/yWI" },
  { source: "glibc", password: "passwordEXTRA", hash: "abJnggxhB/yWI" },
  { source: "glibc", password: "pässwörd", hash: "./vYBXr45rAoM" },
  { source: "glibc", password: "Z9 sp@ce!", hash: "Z9C.4uxFHe1iE" },
  { source: "glibc", password: "12345678", hash: "9AXTAB8W/zfvo" },
  { source: "glibc", password: "", hash: "$1$$qRPK7m23GJusamGpoGLby/" },
  { source: "glibc", password: "a", hash: "$1$x$P8VObTrxaqT4VBmnH06P8." },
  { source: "glibc", password: "password", hash: "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/" },
  { source: "glibc", password: "password", hash: "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/" },
  { source: "glibc", password: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", hash: "$1$Qw3/$j1KhX.nxdVx1H9vc8DMSr0" },
  { source: "glibc", password: "pässwörd", hash: "$1$ab.Z$8xNH9yabWX/5NqEEBSdb./" },
  { source: "glibc", password: "Hello world!", hash: "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5" },
  { source: "glibc", password: "", hash: "$5$abc$bBHLwRRW2Li0XKaX13kz/g2fkDil4Jx46aNvd.48MS8" },
  { source: "glibc", password: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", hash: "$5$s$zLlSEjkN7pMXW4bDfs03sI4hRtGs1pDFrTzZtXsBuLA" },
  { source: "glibc", password: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", hash: "$5$s$1dNooBpWm.2e9qD6IsJCKat67H.3VsPjBxgDB0M4TV7" },
  { source: "glibc", password: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", hash: "$5$s$yBh69N5Y/es8yFfV8TGlJ8GxfXGCEd.Tax6k7U2/bT." },
  { source: "glibc", password: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", hash: "$5$q/$e43BrpsVaymWDlwekZfgYnQe3AB6uMB5D1HCTKnMKpB" },
  { source: "glibc", password: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", hash: "$5$q/$GLRaWyRFbgPSr84m6GpSGADRU04KCRh3brQj4OYYIE7" },
  { source: "glibc", password: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", hash: "$5$q/$MvOgq/JkvIiaMLP5LLTTFfMfv6bvwMeADeEYmRMMxJ2" },
  { source: "glibc", password: "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", hash: "$5$longsaltlongsalt$pIfYMoh2IAZjsUOqd2Jy7hGYtN/81CIAb.plPZZyiU5" },
  { source: "glibc", password: "pässwörd", hash: "$5$uni$tvijRQN5/SqgyGvyAVweEwPcGyaUuUm8OJVaOMYQUH0" },
  { source: "glibc", password: "Hello world!", hash: "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA" },
  { source: "glibc", password: "explicit default", hash: "$5$rounds=5000$xyz$Zi2HO/MQNzBO23nuTsuVpcdWBXZrsL13qpmVTRAjhU6" },
  { source: "glibc", password: "Hello world!", hash: "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1" },
  { source: "glibc", password: "", hash: "$6$abc$mJP3a6FyA8uCnzRtlnNypPwjnvpi5TP9qOrInzrfDmwxUQG38PkpCPdqfTb8JQfAngapMxeim4AZ..hSdRRzD." },
  { source: "glibc", password: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", hash: "$6$s$bzGFI6e26vaunEmb0g71wSGgZIKv1dspbMJMeTidYxLdHkNg3nHpeIZqdArs8cjMh65JDt.w/haymDy771noR/" },
  { source: "glibc", password: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", hash: "$6$s$Jh0edfTJ8YDtifWTRPhyg.ZCv.14lKPRYPng85RBPzxjlLkZdNL56/QmDdD29wVsf6v5BQziH1.oHIpafcYf9." },
  { source: "glibc", password: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", hash: "$6$s$r9H7gu2/BgPQn1XHDDU7fksi4YmE1Z09bA2jKNCV7codHHi5SRMcBmF8mOmmaLKN3GV4/8zaL5YOI0Bp5FvlC0" },
  { source: "glibc", password: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", hash: "$6$q/$atkhx75swG0Iicr23/IJ.rYcdQW9fxynoZoVqc3RNKgWUbt0hyNevoV/v7q5xR/OmGiOQs0A6rAQ1DHfuj.bV0" },
  { source: "glibc", password: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", hash: "$6$q/$1i1UFJeajl1YeXvWSfjP5dQ.o3.QjmkYcAeXmobkmfbzuduBgvUaMYY8kVKV0KbMkYCjungCKE6XGCJMd.o9X0" },
  { source: "glibc", password: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", hash: "$6$q/$IaEwp8kCtbRqPRsPVQAXyj76r0pIrGZ0.oTVSSJdqoIwzaxNEouy252sFX9UdPZHgj.34vABeHkRq.FQBquU4/" },
  { source: "glibc", password: "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", hash: "$6$longsaltlongsalt$l6qAq9adkX4gkbaln0l.6HCbOw0VSODVhOd0Yxb43mCKTC8OtaT2kSzrd.54NgWOC/MpoeDAFnd5r/H21or0u/" },
  { source: "glibc", password: "pässwörd", hash: "$6$uni$R46UzQW9Few2BlXKIzztAAKunuskeCaLcBnPQFz4E.2BZY7BR/H98ny1dxrd2fLNrANerUJAl454Rno4sbU51." },
  { source: "glibc", password: "Hello world!", hash: "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v." },
  { source: "glibc", password: "explicit default", hash: "$6$rounds=5000$xyz$je1XX9Yp7D18Z48c6oZieojDVTlMmOxNlxycSVCq9.Wp4bPhYNaE6cxPm/mdGE7331otrGi4efdlpfUDNiaH11" },
  { source: "openssl passwd -1", password: "openssl1", hash: "$1$oSsl1$HNaf1/1ZwsVlKRYvaARzC0" },
  { source: "openssl passwd -5", password: "openssl five", hash: "$5$ossl5salt$.zAWr7uZq7RIlIL22xzm4QoZAOB8u1Pyd2Vmg3ucE.C" },
  { source: "openssl passwd -6", password: "openssl six", hash: "$6$ossl6saltABCDEFG$TF2j.9GJNRUWJUSLVURmERVXUEpIuJ/A3oAklXvGxU8pqgag9TJUHK6VInvaa0ZaL1KcgFZpAhSPk9JMQEzvP." },
];

describe('DES block cipher (FIPS 46-3)', () => {
  it('has S-boxes whose every row is a permutation of 0..15', () => {
    assert.equal(S_BOXES.length, 8);
    for (const box of S_BOXES) {
      assert.equal(box.length, 64);
      for (let row = 0; row < 4; row++) assert.deepEqual([...box.slice(row * 16, row * 16 + 16)].sort((a, b) => a - b), [...Array(16).keys()]);
    }
  });

  const known = [
    // The worked example of DES found in every textbook.
    { key: '133457799bbcdff1', plain: '0123456789abcdef', cipher: '85e813540f0ab405' },
    { key: '0e329232ea6d0d73', plain: '8787878787878787', cipher: '0000000000000000' },
    // NBS/NIST validation vectors (variable plaintext, key of odd-parity zeros).
    { key: '0101010101010101', plain: '8000000000000000', cipher: '95f8a5e5dd31d900' },
    { key: '0101010101010101', plain: '0000000000000001', cipher: '166b40b44aba4bd6' },
  ];
  for (const { key, plain, cipher } of known) {
    it(`encrypts ${plain} under ${key}`, () => {
      const schedule = desKeySchedule(bytesToBits(Buffer.from(key, 'hex')));
      const out = desEncryptBlock(bytesToBits(Buffer.from(plain, 'hex')), schedule);
      assert.equal(Buffer.from(bitsToBytes(out)).toString('hex'), cipher);
    });
  }
});

describe('crypt(3) vectors', () => {
  for (const { source, password, hash } of VECTORS) {
    it(`${source}: ${JSON.stringify(password.length > 20 ? `${password.slice(0, 20)}…` : password)} -> ${hash.slice(0, 24)}…`, () => {
      const format = cryptFormatOf(hash);
      const again = format === 'des' ? desCrypt(password, hash.slice(0, 2)) : format === 'md5' ? md5Crypt(password, hash) : shaCrypt(password, hash);
      assert.equal(again, hash);
      if (source.startsWith('openssl') || format === 'des') assert.equal(verifyCryptPassword(password, hash), true);
      assert.equal(verifyCryptPassword(`${password}x`, hash), format === 'des' && Buffer.byteLength(password) >= 8);
    });
  }

  it('verifies the DSS qtusers test vector (DES, salt 0m)', () => {
    assert.equal(desCrypt('aGFja21l', '0m'), '0muym.z3yrHSw');
    assert.equal(verifyCryptPassword('aGFja21l', '0muym.z3yrHSw'), true);
    assert.equal(verifyCryptPassword('aGFja21L', '0muym.z3yrHSw'), false);
  });

  it('uses only the first 8 bytes of a DES password', () => {
    assert.equal(desCrypt('password', 'ab'), desCrypt('passwordEXTRA', 'ab'));
  });

  it('clamps SHA-crypt rounds to 1000..999999999 and keeps an explicit rounds= in the output', () => {
    assert.deepEqual(parseShaCryptSetting('$6$rounds=10$salt'), { variant: 'sha512', salt: 'salt', rounds: 1000, explicitRounds: true });
    assert.match(shaCrypt('x', '$5$rounds=10$salt'), /^\$5\$rounds=1000\$salt\$/);
    assert.equal(parseShaCryptSetting('$6$rounds=abc$salt'), null);
    assert.equal(parseShaCryptSetting('$6$0123456789abcdefXYZ$')!.salt, '0123456789abcdef');
  });

  it('never verifies unknown or locked formats, and never throws on junk', () => {
    for (const hash of ['', '*', '!', '!!', '*LK*', '$2y$10$abcdefghijklmnopqrstuu', '$y$j9T$abc$def', '$7$abc', 'short', '0muym.z3yrHS!', '$1$', '$5$', '$6$rounds=$x$y']) {
      assert.equal(verifyCryptPassword('aGFja21l', hash), false, hash);
    }
    fc.assert(
      fc.property(fc.string(), fc.string({ maxLength: 120 }), (password, hash) => {
        assert.equal(typeof verifyCryptPassword(password, hash), 'boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('new password hashes', () => {
  it('are SHA-512 crypt with a 16-character random salt by default, and verify', () => {
    const salt = Buffer.from([...Array(CRYPT_SALT_BYTES).keys()].map((i) => i * 17));
    const hash = createCryptHash('s3cret pass', salt);
    assert.match(hash, /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    assert.equal(verifyCryptPassword('s3cret pass', hash), true);
    assert.equal(verifyCryptPassword('s3cret Pass', hash), false);
  });

  it('can be SHA-256 crypt with explicit rounds', () => {
    const hash = createCryptHash('pw', Buffer.alloc(16, 7), { format: 'sha256', rounds: 2000 });
    assert.match(hash, /^\$5\$rounds=2000\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{43}$/);
    assert.equal(verifyCryptPassword('pw', hash), true);
    assert.throws(() => createCryptHash('pw', Buffer.alloc(16), { rounds: 999 }), RangeError);
    assert.throws(() => createCryptHash('pw', Buffer.alloc(3)), RangeError);
  });

  it('round-trips any password (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (password, salt) => {
        const hash = createCryptHash(password, salt, { format: 'sha256', rounds: 1000 });
        assert.equal(verifyCryptPassword(password, hash), true);
      }),
      { numRuns: 25 },
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MessageParser, type ParsedItem } from '../../../domain/rtsp/messageParser.js';

const ffmpegDescribe =
  'DESCRIBE rtsp://127.0.0.1:8554/sample.mp4 RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\nUser-Agent: Lavf59.27.100\r\n\r\n';
const vlcOptions =
  'OPTIONS rtsp://127.0.0.1:8554/sample.mp4 RTSP/1.0\r\nCSeq: 2\r\nUser-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2022.07.14)\r\n\r\n';

function requests(items: ParsedItem[]) {
  return items.filter((i) => i.kind === 'request').map((i) => (i.kind === 'request' ? i.request : null)!);
}

describe('MessageParser', () => {
  it('parses a request sent whole', () => {
    const [item] = new MessageParser().push(Buffer.from(ffmpegDescribe));
    assert.equal(item?.kind, 'request');
    if (item?.kind !== 'request') return;
    assert.equal(item.request.method, 'DESCRIBE');
    assert.equal(item.request.uri, 'rtsp://127.0.0.1:8554/sample.mp4');
    assert.equal(item.request.headers.get('cseq'), '2');
    assert.equal(item.request.headers.get('USER-AGENT'), 'Lavf59.27.100');
  });

  it('copes with a request split at every byte', () => {
    const parser = new MessageParser();
    const items: ParsedItem[] = [];
    for (const byte of Buffer.from(vlcOptions)) items.push(...parser.push(Buffer.from([byte])));
    assert.equal(requests(items).length, 1);
    assert.equal(requests(items)[0]!.headers.get('User-Agent'), 'LibVLC/3.0.18 (LIVE555 Streaming Media v2022.07.14)');
  });

  it('splits pipelined requests and interleaved frames in one chunk', () => {
    const frame = Buffer.from([0x24, 1, 0, 3, 0xaa, 0xbb, 0xcc]);
    const body = 'v=0\r\n';
    const announce = `SET_PARAMETER rtsp://h/x RTSP/1.0\r\nCSeq: 5\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const items = new MessageParser().push(Buffer.concat([Buffer.from(vlcOptions), frame, Buffer.from(announce), Buffer.from(ffmpegDescribe)]));
    assert.deepEqual(
      items.map((i) => i.kind),
      ['request', 'interleaved', 'request', 'request'],
    );
    const inter = items[1]!;
    assert.ok(inter.kind === 'interleaved');
    assert.equal(inter.channel, 1);
    assert.deepEqual([...inter.payload], [0xaa, 0xbb, 0xcc]);
    const set = items[2]!;
    assert.ok(set.kind === 'request');
    assert.equal(set.request.body.toString(), body);
  });

  it('waits for a body split across chunks', () => {
    const parser = new MessageParser();
    const text = 'ANNOUNCE rtsp://h/live.sdp RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 10\r\n\r\n0123456789';
    assert.deepEqual(parser.push(Buffer.from(text.slice(0, text.length - 4))), []);
    const [item] = parser.push(Buffer.from(text.slice(text.length - 4)));
    assert.ok(item?.kind === 'request');
    assert.equal(item.request.body.toString(), '0123456789');
  });

  it('accepts bare LF line ends and stray CRLF keepalives', () => {
    const items = new MessageParser().push(Buffer.from('\r\n\r\nOPTIONS * RTSP/1.0\nCSeq: 1\n\n'));
    assert.equal(requests(items).length, 1);
    assert.equal(requests(items)[0]!.uri, '*');
  });

  it('parses responses (the server as a client)', () => {
    const [item] = new MessageParser().push(Buffer.from('RTSP/1.0 200 OK\r\nCSeq: 1\r\nSession: 12345;timeout=60\r\n\r\n'));
    assert.ok(item?.kind === 'response');
    assert.equal(item.response.status, 200);
    assert.equal(item.response.reason, 'OK');
  });

  it('refuses an endless header with 400 and stops', () => {
    const parser = new MessageParser({ maxHeaderBytes: 1024, maxHeaderCount: 64, maxBodyBytes: 1024 });
    const items = parser.push(Buffer.from(`OPTIONS * RTSP/1.0\r\nX-Long: ${'a'.repeat(2000)}`));
    assert.deepEqual(items.map((i) => i.kind), ['error']);
    assert.ok(items[0]!.kind === 'error' && items[0]!.status === 400);
    assert.deepEqual(parser.push(Buffer.from(vlcOptions)), []);
  });

  it('refuses a too-large body with 413 before reading it', () => {
    const [item] = new MessageParser().push(Buffer.from('ANNOUNCE rtsp://h/x RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 10485760\r\n\r\n'));
    assert.ok(item?.kind === 'error' && item.status === 413);
  });

  it('refuses too many headers, a bad Content-Length, a bad request line and RTSP/2.0', () => {
    const many = `OPTIONS * RTSP/1.0\r\n${Array.from({ length: 70 }, (_, i) => `X-${i}: y\r\n`).join('')}\r\n`;
    const cases: Array<[string, number]> = [
      [many, 400],
      ['OPTIONS * RTSP/1.0\r\nContent-Length: -1\r\n\r\n', 400],
      ['HELLO\r\n\r\n', 400],
      ['OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n', 505],
      ['OPTIONS * RTSP/1.0\r\nno colon here\r\n\r\n', 400],
    ];
    for (const [text, status] of cases) {
      const [item] = new MessageParser().push(Buffer.from(text));
      assert.ok(item?.kind === 'error', text);
      assert.equal(item.status, status, text);
    }
  });

  it('never throws on random bytes, however they are chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
        const parser = new MessageParser({ maxHeaderBytes: 512, maxHeaderCount: 16, maxBodyBytes: 512 });
        for (const chunk of chunks) parser.push(Buffer.from(chunk));
        assert.ok(parser.buffered <= 512 + 4 + 512 + 65535 + 4);
      }),
      { numRuns: 500 },
    );
  });

  it('parses the same requests whatever the chunking', () => {
    const stream = Buffer.from(vlcOptions + ffmpegDescribe + vlcOptions);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const parser = new MessageParser();
        const items: ParsedItem[] = [];
        let from = 0;
        for (const p of [...points, stream.length]) {
          items.push(...parser.push(stream.subarray(from, p)));
          from = p;
        }
        assert.deepEqual(requests(items).map((r) => r.method), ['OPTIONS', 'DESCRIBE', 'OPTIONS']);
      }),
      { numRuns: 300 },
    );
  });
});

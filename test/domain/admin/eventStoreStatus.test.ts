import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutCredentials } from '../../../domain/admin/eventStoreStatus.js';

/** The EventStoreDB URL the admin shows and the error log names: never its password. */
describe('event store status', () => {
  it('removes the user name and password from a connection string, and nothing else', () => {
    const cases: Array<[string, string]> = [
      ['esdb://admin:changeit@127.0.0.1:2113?tls=false', 'esdb://127.0.0.1:2113?tls=false'],
      ['esdb+discover://admin:p%40ss@cluster.example:2113?tls=true&nodePreference=leader', 'esdb+discover://cluster.example:2113?tls=true&nodePreference=leader'],
      ['esdb://ops:s3cret@node1:2113,node2:2113,node3:2113?tls=false', 'esdb://node1:2113,node2:2113,node3:2113?tls=false'],
      ['kurrentdb://user@db:2113', 'kurrentdb://db:2113'],
      ['  esdb://127.0.0.1:2113?tls=false ', 'esdb://127.0.0.1:2113?tls=false'],
      ['esdb://u:pa/ss@h:2113?tls=false', 'esdb://h:2113?tls=false'],
      ['esdb://u:p?w#d@h:2113', 'esdb://h:2113'],
      ['esdb://u:abc=@h:2113?tls=false', 'esdb://h:2113?tls=false'],
      ['esdb://127.0.0.1:2113?tls=false&tlsCAFile=/etc/ca@home.pem', 'esdb://127.0.0.1:2113?tls=false&tlsCAFile=/etc/ca@home.pem'],
    ];
    for (const [input, shown] of cases) assert.equal(withoutCredentials(input), shown, input);
  });
});

import protobuf from 'protobufjs';
import type { ServiceDefinition } from '@grpc/grpc-js';

/*
 * The slice of EventStoreDB's gRPC protocol that the embedded store answers: Streams (Read, Append,
 * BatchAppend), ServerFeatures.GetSupportedMethods and Gossip.Read, plus the shared messages they use.
 *
 * Written here from the protocol's message and field numbers (package names, field numbers, oneofs
 * and wire types as the EventStoreDB clients use them; checked against the generated code shipped in
 * @eventstore/db-client), not generated: protobufjs parses this text at start-up, with keepCase so the
 * objects below use the protocol's snake_case field names. Only what the server needs is declared;
 * unknown fields a client sends are skipped by the decoder, as protobuf requires.
 *
 * Conventions of the decoded objects (see `decode`): 64-bit integers are decimal strings, bytes are
 * Buffers, absent fields are undefined, and every oneof has a virtual property naming the field set.
 */

const GOOGLE = `
syntax = "proto3";
package google.protobuf;
message Empty {}
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message Any { string type_url = 1; bytes value = 2; }
`;

const GOOGLE_RPC = `
syntax = "proto3";
package google.rpc;
message Status { int32 code = 1; string message = 2; google.protobuf.Any details = 3; }
`;

const SHARED = `
syntax = "proto3";
package event_store.client;
message UUID {
  oneof value { Structured structured = 1; string string = 2; }
  message Structured { int64 most_significant_bits = 1; int64 least_significant_bits = 2; }
}
message Empty {}
message StreamIdentifier { bytes stream_name = 3; }
message AllStreamPosition { uint64 commit_position = 1; uint64 prepare_position = 2; }
message WrongExpectedVersion {
  oneof current_stream_revision_option {
    uint64 current_stream_revision = 1;
    google.protobuf.Empty current_no_stream = 2;
  }
  oneof expected_stream_position_option {
    uint64 expected_stream_position = 3;
    google.protobuf.Empty expected_any = 4;
    google.protobuf.Empty expected_stream_exists = 5;
    google.protobuf.Empty expected_no_stream = 6;
  }
}
message Unknown {}
message BadRequest { string message = 1; }
`;

const STREAMS = `
syntax = "proto3";
package event_store.client.streams;

service Streams {
  rpc Read (ReadReq) returns (stream ReadResp);
  rpc Append (stream AppendReq) returns (AppendResp);
  rpc BatchAppend (stream BatchAppendReq) returns (stream BatchAppendResp);
}

message ReadReq {
  Options options = 1;
  message Options {
    oneof stream_option { StreamOptions stream = 1; AllOptions all = 2; }
    ReadDirection read_direction = 3;
    bool resolve_links = 4;
    oneof count_option { uint64 count = 5; SubscriptionOptions subscription = 6; }
    oneof filter_option { FilterOptions filter = 7; event_store.client.Empty no_filter = 8; }
    UUIDOption uuid_option = 9;
    ControlOption control_option = 10;

    enum ReadDirection { Forwards = 0; Backwards = 1; }
    message StreamOptions {
      event_store.client.StreamIdentifier stream_identifier = 1;
      oneof revision_option { uint64 revision = 2; event_store.client.Empty start = 3; event_store.client.Empty end = 4; }
    }
    message AllOptions {
      oneof all_option { Position position = 1; event_store.client.Empty start = 2; event_store.client.Empty end = 3; }
    }
    message SubscriptionOptions {}
    message Position { uint64 commit_position = 1; uint64 prepare_position = 2; }
    message FilterOptions {
      oneof filter { Expression stream_identifier = 1; Expression event_type = 2; }
      oneof window { uint32 max = 3; event_store.client.Empty count = 4; }
      uint32 checkpointIntervalMultiplier = 5;
      message Expression { string regex = 1; repeated string prefix = 2; }
    }
    message UUIDOption {
      oneof content { event_store.client.Empty structured = 1; event_store.client.Empty string = 2; }
    }
    message ControlOption { uint32 compatibility = 1; }
  }
}

message ReadResp {
  oneof content {
    ReadEvent event = 1;
    SubscriptionConfirmation confirmation = 2;
    Checkpoint checkpoint = 3;
    StreamNotFound stream_not_found = 4;
    uint64 first_stream_position = 5;
    uint64 last_stream_position = 6;
    event_store.client.AllStreamPosition last_all_stream_position = 7;
    CaughtUp caught_up = 8;
    FellBehind fell_behind = 9;
  }
  message CaughtUp {}
  message FellBehind {}
  message ReadEvent {
    RecordedEvent event = 1;
    RecordedEvent link = 2;
    oneof position { uint64 commit_position = 3; event_store.client.Empty no_position = 4; }
    message RecordedEvent {
      event_store.client.UUID id = 1;
      event_store.client.StreamIdentifier stream_identifier = 2;
      uint64 stream_revision = 3;
      uint64 prepare_position = 4;
      uint64 commit_position = 5;
      map<string, string> metadata = 6;
      bytes custom_metadata = 7;
      bytes data = 8;
    }
  }
  message SubscriptionConfirmation { string subscription_id = 1; }
  message Checkpoint { uint64 commit_position = 1; uint64 prepare_position = 2; }
  message StreamNotFound { event_store.client.StreamIdentifier stream_identifier = 1; }
}

message AppendReq {
  oneof content { Options options = 1; ProposedMessage proposed_message = 2; }
  message Options {
    event_store.client.StreamIdentifier stream_identifier = 1;
    oneof expected_stream_revision {
      uint64 revision = 2;
      event_store.client.Empty no_stream = 3;
      event_store.client.Empty any = 4;
      event_store.client.Empty stream_exists = 5;
    }
  }
  message ProposedMessage {
    event_store.client.UUID id = 1;
    map<string, string> metadata = 2;
    bytes custom_metadata = 3;
    bytes data = 4;
  }
}

message AppendResp {
  oneof result { Success success = 1; WrongExpectedVersion wrong_expected_version = 2; }
  message Position { uint64 commit_position = 1; uint64 prepare_position = 2; }
  message Success {
    oneof current_revision_option { uint64 current_revision = 1; event_store.client.Empty no_stream = 2; }
    oneof position_option { Position position = 3; event_store.client.Empty no_position = 4; }
  }
  message WrongExpectedVersion {
    oneof current_revision_option_20_6_0 {
      uint64 current_revision_20_6_0 = 1;
      event_store.client.Empty no_stream_20_6_0 = 2;
    }
    oneof expected_revision_option_20_6_0 {
      uint64 expected_revision_20_6_0 = 3;
      event_store.client.Empty any_20_6_0 = 4;
      event_store.client.Empty stream_exists_20_6_0 = 5;
    }
    oneof current_revision_option {
      uint64 current_revision = 6;
      event_store.client.Empty current_no_stream = 7;
    }
    oneof expected_revision_option {
      uint64 expected_revision = 8;
      event_store.client.Empty expected_any = 9;
      event_store.client.Empty expected_stream_exists = 10;
      event_store.client.Empty expected_no_stream = 11;
    }
  }
}

message BatchAppendReq {
  event_store.client.UUID correlation_id = 1;
  Options options = 2;
  repeated ProposedMessage proposed_messages = 3;
  bool is_final = 4;
  message Options {
    event_store.client.StreamIdentifier stream_identifier = 1;
    oneof expected_stream_position {
      uint64 stream_position = 2;
      google.protobuf.Empty no_stream = 3;
      google.protobuf.Empty any = 4;
      google.protobuf.Empty stream_exists = 5;
    }
    google.protobuf.Timestamp deadline = 6;
  }
  message ProposedMessage {
    event_store.client.UUID id = 1;
    map<string, string> metadata = 2;
    bytes custom_metadata = 3;
    bytes data = 4;
  }
}

message BatchAppendResp {
  event_store.client.UUID correlation_id = 1;
  oneof result { google.rpc.Status error = 2; Success success = 3; }
  event_store.client.StreamIdentifier stream_identifier = 4;
  oneof expected_stream_position {
    uint64 stream_position = 5;
    google.protobuf.Empty no_stream = 6;
    google.protobuf.Empty any = 7;
    google.protobuf.Empty stream_exists = 8;
  }
  message Success {
    oneof current_revision_option { uint64 current_revision = 1; google.protobuf.Empty no_stream = 2; }
    oneof position_option { event_store.client.AllStreamPosition position = 3; google.protobuf.Empty no_position = 4; }
  }
}
`;

const SERVER_FEATURES = `
syntax = "proto3";
package event_store.client.server_features;
service ServerFeatures {
  rpc GetSupportedMethods (event_store.client.Empty) returns (SupportedMethods);
}
message SupportedMethods {
  repeated SupportedMethod methods = 1;
  string event_store_server_version = 2;
}
message SupportedMethod {
  string method_name = 1;
  string service_name = 2;
  repeated string features = 3;
}
`;

const GOSSIP = `
syntax = "proto3";
package event_store.client.gossip;
service Gossip {
  rpc Read (event_store.client.Empty) returns (ClusterInfo);
}
message ClusterInfo { repeated MemberInfo members = 1; }
message EndPoint { string address = 1; uint32 port = 2; }
message MemberInfo {
  enum VNodeState {
    Initializing = 0; DiscoverLeader = 1; Unknown = 2; PreReplica = 3; CatchingUp = 4; Clone = 5;
    Follower = 6; PreLeader = 7; Leader = 8; Manager = 9; ShuttingDown = 10; Shutdown = 11;
    ReadOnlyLeaderless = 12; PreReadOnlyReplica = 13; ReadOnlyReplica = 14; ResigningLeader = 15;
  }
  event_store.client.UUID instance_id = 1;
  int64 time_stamp = 2;
  VNodeState state = 3;
  bool is_alive = 4;
  EndPoint http_end_point = 5;
}
`;

const root = new protobuf.Root();
for (const source of [GOOGLE, GOOGLE_RPC, SHARED, STREAMS, SERVER_FEATURES, GOSSIP]) {
  protobuf.parse(source, root, { keepCase: true });
}
root.resolveAll();

export const VNODE_STATE_LEADER = 8;

/** gRPC status codes used here (google.rpc.Code). */
export const Code = {
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
} as const;

const decodeOptions: protobuf.IConversionOptions = { longs: String, oneofs: true };

export function messageType(name: string): protobuf.Type {
  return root.lookupType(name);
}

export function encode(type: protobuf.Type, value: object): Buffer {
  const bytes = type.encode(type.fromObject(value)).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decode<T>(type: protobuf.Type, bytes: Buffer): T {
  return type.toObject(type.decode(bytes), decodeOptions) as T;
}

/** A grpc-js service definition (paths, streaming flags and codecs) for a service declared above. */
export function serviceDefinition(serviceName: string): ServiceDefinition {
  const service = root.lookupService(serviceName);
  const definition: Record<string, unknown> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const requestType = method.resolvedRequestType!;
    const responseType = method.resolvedResponseType!;
    definition[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: (value: object) => encode(requestType, value),
      requestDeserialize: (bytes: Buffer) => decode(requestType, bytes),
      responseSerialize: (value: object) => encode(responseType, value),
      responseDeserialize: (bytes: Buffer) => decode(responseType, bytes),
      originalName: method.name,
    };
  }
  return definition as ServiceDefinition;
}

// ------------------------------------------------------------------ message shapes (decoded form)

export type Empty = Record<string, never>;

export interface Uuid {
  value?: 'structured' | 'string';
  structured?: { most_significant_bits?: string; least_significant_bits?: string };
  string?: string;
}

export interface StreamIdentifier {
  stream_name?: Buffer;
}

export interface ReadOptions {
  stream_option?: 'stream' | 'all';
  stream?: {
    stream_identifier?: StreamIdentifier;
    revision_option?: 'revision' | 'start' | 'end';
    revision?: string;
  };
  all?: {
    all_option?: 'position' | 'start' | 'end';
    position?: { commit_position?: string; prepare_position?: string };
  };
  read_direction?: number;
  count_option?: 'count' | 'subscription';
  count?: string;
  filter_option?: 'filter' | 'no_filter';
  filter?: {
    filter?: 'stream_identifier' | 'event_type';
    stream_identifier?: { regex?: string; prefix?: string[] };
    event_type?: { regex?: string; prefix?: string[] };
    window?: 'max' | 'count';
    max?: number;
    checkpointIntervalMultiplier?: number;
  };
  uuid_option?: { content?: 'structured' | 'string' };
}

export interface ReadReq {
  options?: ReadOptions;
}

export interface RecordedEventMessage {
  id: Uuid;
  stream_identifier: { stream_name: Buffer };
  stream_revision: string;
  prepare_position: string;
  commit_position: string;
  metadata: Record<string, string>;
  custom_metadata: Buffer;
  data: Buffer;
}

export type ReadResp =
  | { event: { event: RecordedEventMessage; commit_position?: string; no_position?: Empty } }
  | { confirmation: { subscription_id: string } }
  | { checkpoint: { commit_position: string; prepare_position: string } }
  | { stream_not_found: { stream_identifier: { stream_name: Buffer } } }
  | { caught_up: Empty }
  | { fell_behind: Empty };

export interface ProposedMessage {
  id?: Uuid;
  metadata?: Record<string, string>;
  custom_metadata?: Buffer;
  data?: Buffer;
}

export interface AppendReq {
  content?: 'options' | 'proposed_message';
  options?: {
    stream_identifier?: StreamIdentifier;
    expected_stream_revision?: 'revision' | 'no_stream' | 'any' | 'stream_exists';
    revision?: string;
  };
  proposed_message?: ProposedMessage;
}

export interface BatchAppendReq {
  correlation_id?: Uuid;
  options?: {
    stream_identifier?: StreamIdentifier;
    expected_stream_position?: 'stream_position' | 'no_stream' | 'any' | 'stream_exists';
    stream_position?: string;
  };
  proposed_messages?: ProposedMessage[];
  is_final?: boolean;
}

// ------------------------------------------------------------------ helpers

/** A UUID in EventStoreDB's two encodings: the canonical string, or two signed big-endian 64-bit halves. */
export function uuidToString(uuid: Uuid | undefined): string | undefined {
  if (uuid === undefined) return undefined;
  if (uuid.structured !== undefined && uuid.value !== 'string') {
    const msb = BigInt.asUintN(64, BigInt(uuid.structured.most_significant_bits ?? '0'));
    const lsb = BigInt.asUintN(64, BigInt(uuid.structured.least_significant_bits ?? '0'));
    const hex = msb.toString(16).padStart(16, '0') + lsb.toString(16).padStart(16, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return uuid.string;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidMessage(id: string, structured: boolean): Uuid {
  if (structured && UUID_PATTERN.test(id)) {
    const hex = id.replace(/-/g, '');
    return {
      structured: {
        most_significant_bits: BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString(),
        least_significant_bits: BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)).toString(),
      },
    };
  }
  return { string: id };
}

export function streamNameOf(identifier: StreamIdentifier | undefined): string | undefined {
  return identifier?.stream_name === undefined ? undefined : identifier.stream_name.toString('utf8');
}

/** The port's numeric positions and revisions as uint64 decimal strings. */
export function u64(value: number): string {
  return BigInt(Math.trunc(value)).toString();
}

/** A uint64 decimal string as a number, clamped to Number.MAX_SAFE_INTEGER. */
export function fromU64(value: string | undefined): number {
  if (value === undefined) return 0;
  const big = BigInt(value);
  return big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
}

/** google.protobuf.Any holding a message declared above. */
export function packAny(typeName: string, value: object): { type_url: string; value: Buffer } {
  return { type_url: `type.googleapis.com/${typeName}`, value: encode(messageType(typeName), value) };
}

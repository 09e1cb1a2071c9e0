import { z } from 'zod';

/**
 * Server settings with their defaults. Every source (config file, flags, the admin)
 * goes through this schema, so a bad value is refused with the setting's name.
 */
const port = z.number().int().min(0).max(65535);

export const settingsSchema = z.object({
  /** RTSP listening ports. Ports that cannot be bound are warnings; none bound is fatal. */
  rtspPorts: z.array(port).min(1).default([554, 8554]),
  /** Addresses the RTSP listeners and the UDP pairs bind to; IPv4 and IPv6 side by side. */
  listenAddresses: z.array(z.string().min(1)).min(1).default(['0.0.0.0', '::']),
  /** QTSS "streaming on port 80": also serve RTSP and tunnelled RTSP on port 80. */
  streamingOnPort80: z.boolean().default(false),
  /** New sessions past this many get 453; -1 for no limit. */
  maxConnections: z.number().int().min(-1).default(1000),
  /** New sessions that would take the measured throughput past this get 453; -1 for no limit. */
  maxThroughputKbps: z.number().int().min(-1).default(102400),
  /** First port of the shared server RTP/RTCP pair (even); 0 picks a free pair. */
  rtpPort: port.refine((p) => p % 2 === 0, 'must be even').default(6970),
  moviesFolder: z.string().min(1).default('./movies'),
  dataFolder: z.string().min(1).default('./data'),
  adminPort: port.default(1220),
  /** Advertised in `Session: id;timeout=N`; a UDP session with no RTSP or RTCP for this long ends. */
  sessionTimeoutSeconds: z.number().int().min(1).max(3600).default(60),
  /** Largest RTP payload; keeps packets under a 1500-byte MTU with IP/UDP headers. */
  maxPayloadBytes: z.number().int().min(200).max(65000).default(1400),
  /** Name of this server in events and the fleet view. */
  nodeId: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash, underscore').default('local'),
  /** Groups handed to multicast readers of live paths: an IPv4 range in CIDR form. */
  multicastGroupRange: z.string().regex(/^(2(2[4-9]|3\d))\.\d{1,3}\.\d{1,3}\.\d{1,3}\/(1[6-9]|2\d|3[0-2])$/, 'an IPv4 multicast range such as 239.255.42.0/24').default('239.255.42.0/24'),
  /** First UDP port of multicast outputs (each track takes an even/odd pair). */
  multicastBasePort: port.refine((p) => p % 2 === 0, 'must be even').default(6000),
  multicastTtl: z.number().int().min(0).max(255).default(16),
  /** Local address whose interface multicast goes out of; empty: the system's choice. */
  multicastInterface: z.string().default(''),
  /** Live paths offered to readers as multicast only, whatever they ask. */
  multicastPaths: z.array(z.string()).default([]),
  /** Challenge scheme where a folder's qtaccess names none; `none` refuses (403) instead of asking. */
  authenticationScheme: z.enum(['digest', 'basic', 'none']).default('digest'),
  /** Reads are open where no qtaccess applies (QTSS's guest access). */
  guestAccess: z.boolean().default(true),
  /** Loopback broadcasters must authenticate like anyone else. */
  authenticateLocalBroadcasts: z.boolean().default(false),
  /** The server's users and groups files, in QTSS's formats (kept by `qtpasswd`). */
  usersFile: z.string().min(1).default('/etc/streaming/qtusers'),
  groupsFile: z.string().min(1).default('/etc/streaming/qtgroups'),
  /** Besides loopback, addresses that may broadcast without authenticating (`*` = any characters). */
  broadcastAllowList: z.array(z.string().min(1)).default(['127.0.0.*']),
  /** A live source silent this long is lost: readers get RTCP BYE. */
  broadcastLostAfterSeconds: z.number().min(1).max(3600).default(10),
  /** After a loss, readers are ended this much later, unless kept. */
  broadcastGraceSeconds: z.number().min(0).max(3600).default(10),
  /** Keep readers through a loss, resuming them when the source returns. */
  keepReadersOnLoss: z.boolean().default(false),
  /** EventStoreDB/KurrentDB connection string (`esdb://host:2113?tls=false`); empty: the embedded store alone. */
  eventStoreUrl: z.string().default(''),
  /** Serve the event store over EventStoreDB's gRPC API on this port (loopback); -1: off. */
  esdbGrpcPort: z.number().int().min(-1).max(65535).default(-1),
  /** Address of that gRPC endpoint. */
  esdbGrpcAddress: z.string().min(1).default('127.0.0.1'),
  /** Open the event store even if its tail is damaged, dropping what follows the last good record. */
  repairEventStore: z.boolean().default(false),
  /** Every session records its counters (bytes, packets, loss) this often, for the live views. */
  sampleIntervalSeconds: z.number().int().min(1).max(3600).default(10),
  /** Where Error.log and StreamingServer.log are written; empty: `<dataFolder>/logs`. */
  logFolder: z.string().default(''),
  errorLogEnabled: z.boolean().default(true),
  accessLogEnabled: z.boolean().default(true),
  /** Roll Error.log this many days after midnight of its creation day; 0 = never by age. */
  errorLogRollDays: z.number().int().min(0).max(3650).default(7),
  /** Roll Error.log once it reaches this many KB; 0 = never by size. */
  errorLogRollKB: z.number().int().min(0).max(10_485_760).default(256),
  accessLogRollDays: z.number().int().min(0).max(3650).default(7),
  accessLogRollKB: z.number().int().min(0).max(10_485_760).default(10_240),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

/** Parses settings; on failure, one line per bad setting naming it. */
export function parseSettings(input: unknown): { ok: true; settings: Settings } | { ok: false; errors: string[] } {
  const result = settingsSchema.safeParse(input);
  if (result.success) return { ok: true, settings: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => `setting ${issue.path.join('.') || '(root)'}: ${issue.message}`),
  };
}

/** Stream names, one writer each (DESIGN: single-writer streams). */
export const sessionStream = (sessionId: string): string => `session-${sessionId}`;
export const serverStream = (nodeId: string): string => `server-${nodeId}`;
export const broadcastStream = (path: string): string => `broadcast-${path}`;
export const playlistStream = (name: string): string => `playlist-${name}`;
export const relayStream = (name: string): string => `relay-${name}`;

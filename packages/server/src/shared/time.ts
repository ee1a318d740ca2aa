/** The wire form of a stored epoch-millisecond time. */
export const iso = (epochMs: number): string => new Date(Number(epochMs)).toISOString();

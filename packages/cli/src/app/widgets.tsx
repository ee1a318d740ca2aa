import { Box, Text } from "ink";

export interface Key {
  key: string;
  does: string;
}

/** The keys that work on this screen. */
export function Footer({ keys }: { keys: Key[] }) {
  return (
    <Box marginTop={1}>
      <Text dimColor>{keys.map((k) => `${k.key} ${k.does}`).join(" · ")}</Text>
    </Box>
  );
}

export function Loading({ what }: { what: string }) {
  return <Text dimColor>Loading {what}…</Text>;
}

export function Failure({ error }: { error: unknown }) {
  const e = error as { code?: string; message?: string };
  return (
    <Text color="red">
      {e.code ? `${e.code}: ` : ""}
      {e.message ?? String(error)}
    </Text>
  );
}

/** The rows of `items` that fit in `height`, keeping `selected` in view. */
export function windowOf<T>(items: T[], selected: number, height: number): { rows: T[]; offset: number } {
  const offset = Math.max(0, Math.min(selected - Math.floor(height / 2), items.length - height));
  return { rows: items.slice(offset, offset + height), offset };
}

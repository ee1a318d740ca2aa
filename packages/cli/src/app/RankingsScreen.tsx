import { Box, Text } from "ink";
import { useEffect, useRef, useState } from "react";
import { movements, type RankingItem, type RankingKind, rankingItems } from "../rankings.ts";
import type { Source } from "./source.ts";
import { Failure } from "./widgets.tsx";

const TITLES: Record<RankingKind, string> = {
  boards: "Boards (1h)",
  users: "Users (WORKING)",
  keywords: "Keywords (24h)",
};

interface Column {
  items: RankingItem[];
  moves: Map<string, number | "new">;
}

/** The rankings side by side, fetched again every `intervalMs`, each row marked with how it moved. */
export function RankingsScreen({
  source,
  kinds = ["boards", "users", "keywords"],
  intervalMs = 2000,
}: {
  source: Source;
  kinds?: RankingKind[];
  intervalMs?: number;
}) {
  const [columns, setColumns] = useState<Partial<Record<RankingKind, Column>>>({});
  const [error, setError] = useState<unknown>();
  const [updated, setUpdated] = useState<string>();
  const previous = useRef<Partial<Record<RankingKind, RankingItem[]>>>({});

  useEffect(() => {
    let live = true;
    const refresh = async () => {
      try {
        const results = await Promise.all(kinds.map((kind) => source.ranking(kind)));
        if (!live) return;
        setColumns((shown) => {
          const next: Partial<Record<RankingKind, Column>> = {};
          kinds.forEach((kind, index) => {
            const items = rankingItems(kind, results[index] ?? { items: [] });
            const before = previous.current[kind];
            const same = before && before.map((i) => i.key).join() === items.map((i) => i.key).join();
            // Marks stay until the order changes again, so a move is seen for more than one refresh.
            next[kind] = {
              items,
              moves: same ? (shown[kind]?.moves ?? new Map()) : movements(before, items),
            };
            previous.current[kind] = items;
          });
          return next;
        });
        setError(undefined);
        setUpdated(new Date().toLocaleTimeString());
      } catch (e) {
        if (live) setError(e);
      }
    };
    void refresh();
    const timer = setInterval(refresh, intervalMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [source, kinds, intervalMs]);

  return (
    <Box flexDirection="column">
      <Box>
        {kinds.map((kind) => (
          <Box key={kind} flexDirection="column" width={34} marginRight={2}>
            <Text bold underline>
              {TITLES[kind]}
            </Text>
            {(columns[kind]?.items ?? []).map((item, index) => (
              <Text key={item.key} wrap="truncate">
                {String(index + 1).padStart(2)}. <Move value={columns[kind]?.moves.get(item.key)} />{" "}
                {item.label} <Text dimColor>{item.score}</Text>
              </Text>
            ))}
            {columns[kind]?.items.length === 0 && <Text dimColor>nothing yet</Text>}
          </Box>
        ))}
      </Box>
      {error ? <Failure error={error} /> : null}
      <Text dimColor>
        live · refreshed {updated ?? "…"} · every {intervalMs / 1000} s
      </Text>
    </Box>
  );
}

function Move({ value }: { value: number | "new" | undefined }) {
  if (value === "new") return <Text color="yellow">new</Text>;
  if (value === undefined || value === 0) return <Text dimColor>{"  ="}</Text>;
  return value > 0 ? (
    <Text color="green">{`▲${value}`.padStart(3)}</Text>
  ) : (
    <Text color="red">{`▼${-value}`.padStart(3)}</Text>
  );
}

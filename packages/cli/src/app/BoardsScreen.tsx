import { Box, Text, useInput } from "ink";
import TextInput from "ink-text-input";
import { useEffect, useState } from "react";
import { date } from "../output.ts";
import type { Source } from "./source.ts";
import { Failure, Footer, Loading } from "./widgets.tsx";

type Row = { id: number; title: string; detail: string };

/** Boards page by page (latest or most viewed), or search results; Enter opens one. */
export function BoardsScreen({
  source,
  onOpen,
  active = true,
}: {
  source: Source;
  onOpen(id: number): void;
  active?: boolean;
}) {
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState<"latest" | "views">("latest");
  const [query, setQuery] = useState<string | undefined>();
  const [typing, setTyping] = useState<string | undefined>();
  const [rows, setRows] = useState<Row[] | undefined>();
  const [total, setTotal] = useState(0);
  const [selected, setSelected] = useState(0);
  const [error, setError] = useState<unknown>();
  const [categories, setCategories] = useState<{ id: number; name: string }[]>([]);
  const [category, setCategory] = useState<{ id: number; name: string }>();

  useEffect(() => {
    source.categories().then(setCategories, () => {});
  }, [source]);

  useEffect(() => {
    let live = true;
    setError(undefined);
    const load = query
      ? source.search(query).then((r) => ({
          total: r.items.length,
          rows: r.items.map((h) => ({ id: h.id, title: h.title, detail: "" })),
        }))
      : source.boards({ page, sort, categoryId: category?.id }).then((r) => ({
          total: r.total,
          rows: r.items.map((b) => ({
            id: b.id,
            title: b.title,
            detail: `${b.author.nickname} · ${b.viewCount} views · ${date(b.createdAt)}${b.adopted ? " · adopted" : ""}`,
          })),
        }));
    load.then(
      (r) => {
        if (!live) return;
        setRows(r.rows);
        setTotal(r.total);
        setSelected(0);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [source, page, sort, query, category]);

  const pages = Math.max(1, Math.ceil(total / 20));
  useInput(
    (input, key) => {
      if (key.upArrow) setSelected((s) => Math.max(0, s - 1));
      else if (key.downArrow) setSelected((s) => Math.min((rows?.length ?? 1) - 1, s + 1));
      else if ((key.rightArrow || input === "n") && !query) setPage((p) => Math.min(pages, p + 1));
      else if ((key.leftArrow || input === "p") && !query) setPage((p) => Math.max(1, p - 1));
      else if (input === "s") setSort((s) => (s === "latest" ? "views" : "latest"));
      else if (input === "/") setTyping("");
      else if (input === "c" && categories.length) {
        // all → each category in turn → all
        const next = categories[category ? categories.indexOf(category) + 1 : 0];
        setCategory(next);
        setPage(1);
      } else if (key.escape && query) setQuery(undefined);
      else if (key.return && rows?.[selected]) onOpen(rows[selected].id);
    },
    { isActive: active && typing === undefined },
  );

  return (
    <Box flexDirection="column">
      <Text dimColor>
        {query
          ? `search “${query}” · ${total} found`
          : `${sort === "latest" ? "latest" : "most viewed"}${category ? ` · ${category.name}` : ""} · page ${page}/${pages} · ${total} boards`}
      </Text>
      {typing !== undefined && (
        <Box>
          <Text>/ </Text>
          <TextInput
            value={typing}
            onChange={setTyping}
            focus={active}
            onSubmit={(q) => {
              setTyping(undefined);
              setQuery(q.trim() || undefined);
            }}
          />
        </Box>
      )}
      {error ? (
        <Failure error={error} />
      ) : !rows ? (
        <Loading what="boards" />
      ) : rows.length === 0 ? (
        <Text dimColor>No boards.</Text>
      ) : null}
      {rows?.map((row, index) => (
        <Box key={row.id}>
          <Text color={index === selected ? "cyan" : undefined} bold={index === selected}>
            {index === selected ? "› " : "  "}#{row.id} {row.title}
          </Text>
          <Text dimColor> {row.detail}</Text>
        </Box>
      ))}
      <Footer
        keys={[
          { key: "↑↓", does: "move" },
          { key: "←→", does: "page" },
          { key: "enter", does: "open" },
          { key: "s", does: "sort" },
          { key: "c", does: "category" },
          { key: "/", does: "search" },
        ]}
      />
    </Box>
  );
}

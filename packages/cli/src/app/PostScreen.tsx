import { Box, Text, useInput } from "ink";
import TextInput from "ink-text-input";
import { useCallback, useEffect, useState } from "react";
import { Output } from "../output.ts";
import { boardView } from "../render.ts";
import type { Board, Comment, Source } from "./source.ts";
import { Failure, Footer, Loading } from "./widgets.tsx";

interface Props {
  source: Source;
  id: number;
  me: { id: number } | undefined;
  height: number;
  onBack(): void;
  active?: boolean;
}

/** One post, scrollable, code highlighted, its comments; comment, adopt and delete where allowed. */
export function PostScreen({ source, id, me, height, onBack, active = true }: Props) {
  const [post, setPost] = useState<{ board: Board; comments: Comment[]; lines: string[] }>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [scroll, setScroll] = useState(0);
  const [selected, setSelected] = useState(-1);
  /** The comment being written: a new one, or an edit of one of yours. */
  const [draft, setDraft] = useState<{ text: string; editing?: number } | undefined>();

  const load = useCallback(async () => {
    try {
      const { board, comments } = await source.board(id);
      const text = await boardView(board, comments, new Output({ color: true }));
      setPost({ board, comments, lines: text.split("\n") });
    } catch (e) {
      setError(e);
    }
  }, [source, id]);
  useEffect(() => void load(), [load]);

  const act = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
      setNotice(what);
      await load();
    } catch (e) {
      setNotice(`${(e as { code?: string }).code ?? "ERROR"}: ${(e as Error).message}`);
    }
  };

  const comment = selected >= 0 ? post?.comments[selected] : undefined;
  const mine = post && me?.id === post.board.author.id;
  useInput(
    (input, key) => {
      if (!post) return key.escape || input === "q" ? onBack() : undefined;
      const last = Math.max(0, post.lines.length - height);
      if (key.escape || input === "q") onBack();
      else if (key.upArrow || input === "k") setScroll((s) => Math.max(0, s - 1));
      else if (key.downArrow || input === "j") setScroll((s) => Math.min(last, s + 1));
      else if (key.pageDown || input === " ") setScroll((s) => Math.min(last, s + height));
      else if (key.pageUp) setScroll((s) => Math.max(0, s - height));
      else if (key.tab) setSelected((s) => (post.comments.length ? (s + 1) % post.comments.length : -1));
      else if (input === "c" && me) setDraft({ text: "" });
      else if (input === "e" && comment && comment.author.id === me?.id && !comment.adopted)
        setDraft({ text: comment.contents, editing: comment.id });
      else if (input === "a" && comment && mine)
        void act(`Adopted comment #${comment.id}`, () => source.adopt(comment.id));
      else if (input === "d" && comment && comment.author.id === me?.id)
        void act(`Deleted comment #${comment.id}`, () => source.deleteComment(comment.id));
      else if (input === "D" && mine) void source.deleteBoard(id).then(onBack, (e: unknown) => setError(e));
    },
    { isActive: active && draft === undefined },
  );

  if (error) return <Failure error={error} />;
  if (!post) return <Loading what={`board ${id}`} />;
  return (
    <Box flexDirection="column">
      <Text>{post.lines.slice(scroll, scroll + height).join("\n")}</Text>
      {comment && (
        <Text color="cyan">
          selected comment #{comment.id} by {comment.author.nickname}
        </Text>
      )}
      {notice && <Text color="yellow">{notice}</Text>}
      {draft !== undefined && (
        <Box>
          <Text>{draft.editing ? `edit #${draft.editing}: ` : "comment: "}</Text>
          <TextInput
            value={draft.text}
            onChange={(text) => setDraft({ ...draft, text })}
            focus={active}
            onSubmit={(text) => {
              const { editing } = draft;
              setDraft(undefined);
              if (!text.trim()) return;
              if (editing) void act(`Comment #${editing} edited`, () => source.editComment(editing, text));
              else void act("Comment posted", () => source.comment(id, text));
            }}
          />
        </Box>
      )}
      <Footer
        keys={[
          { key: "↑↓/space", does: "scroll" },
          { key: "tab", does: "select comment" },
          ...(me ? [{ key: "c", does: "comment" }] : []),
          ...(mine && comment ? [{ key: "a", does: "adopt" }] : []),
          ...(comment && comment.author.id === me?.id
            ? [
                { key: "e", does: "edit comment" },
                { key: "d", does: "delete comment" },
              ]
            : []),
          ...(mine ? [{ key: "D", does: "delete post" }] : []),
          { key: "q", does: "back" },
        ]}
      />
    </Box>
  );
}

import { Box, Text, useInput } from "ink";
import { useEffect, useState } from "react";
import { notificationText } from "../commands/notifications.ts";
import { date } from "../output.ts";
import type { Notification, Source } from "./source.ts";
import { Failure, Footer, Loading } from "./widgets.tsx";

/** Your notifications, newest first, new ones arriving live; Enter marks one read. */
export function NotificationsScreen({
  source,
  onChange,
  active = true,
}: {
  source: Source;
  onChange?(): void;
  active?: boolean;
}) {
  const [items, setItems] = useState<Notification[]>();
  const [selected, setSelected] = useState(0);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    source.notifications().then(setItems, setError);
  }, [source]);

  useInput(
    (_, key) => {
      if (key.upArrow) setSelected((s) => Math.max(0, s - 1));
      else if (key.downArrow) setSelected((s) => Math.min((items?.length ?? 1) - 1, s + 1));
      else if (key.return && items?.[selected] && !items[selected].readAt) {
        const target = items[selected];
        source.readNotification(target.id).then(() => {
          setItems((all) =>
            all?.map((n) => (n.id === target.id ? { ...n, readAt: new Date().toISOString() } : n)),
          );
          onChange?.();
        }, setError);
      }
    },
    { isActive: active },
  );

  if (error) return <Failure error={error} />;
  if (!items) return <Loading what="notifications" />;
  return (
    <Box flexDirection="column">
      {items.length === 0 && <Text dimColor>No notifications.</Text>}
      {items.map((n, index) => (
        <Text key={n.id} color={index === selected ? "cyan" : undefined} bold={!n.readAt}>
          {index === selected ? "› " : "  "}
          {n.readAt ? "  " : "● "}
          {date(n.createdAt)} {n.type} {notificationText(n)}
        </Text>
      ))}
      <Footer
        keys={[
          { key: "↑↓", does: "move" },
          { key: "enter", does: "mark read" },
        ]}
      />
    </Box>
  );
}

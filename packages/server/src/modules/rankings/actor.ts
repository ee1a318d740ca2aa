/**
 * Who counts once in a ranking: a signed-in user by id, anyone else by client address. The address is the one
 * `TRUST_PROXY` lets Koa take from `X-Forwarded-For`.
 */
export function actorKey({ user, ip }: { user: { id: number } | null; ip: string }): string {
  return user ? `u:${user.id}` : `a:${ip}`;
}

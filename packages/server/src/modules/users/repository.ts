import type { PageQuery } from "@codechef/contract";
import type { Insertable, Updateable } from "kysely";
import { isUniqueViolation } from "../../db/constraint-errors.ts";
import type { Db } from "../../db/database.ts";
import { contains } from "../../db/like.ts";
import { fetchPage } from "../../db/pages.ts";
import type { UsersTable } from "../../db/schema.ts";
import { KeyedBatches } from "../../shared/batches.ts";
import type { UserRow } from "../../shared/user-row.ts";

export class UserRepository {
  readonly #db: Db;
  /** Reads of signed-in users that queued while one ran, answered by one statement. */
  readonly #signedIn = new KeyedBatches<"users", number, UserRow | undefined>(async (_, ids) => {
    const rows = await this.#db
      .selectFrom("users")
      .selectAll()
      .where("id", "in", [...new Set(ids)])
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    // A copy each: requests for one user must not share a row one of them might change.
    return ids.map((id) => {
      const row = byId.get(id);
      return row && { ...row };
    });
  });

  constructor(db: Db) {
    this.#db = db;
  }

  findById(id: number): Promise<UserRow | undefined> {
    return this.#db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /**
   * `findById` for a request's signed-in user. Requests arriving while such a read runs share the next one:
   * under load one statement serves many requests, and each still reads what was committed before it asked.
   */
  findSignedIn(id: number): Promise<UserRow | undefined> {
    return this.#signedIn.submit("users", id);
  }

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
  }

  /** Inserts unless the email is taken; undefined then. */
  async insert(user: Insertable<UsersTable>): Promise<UserRow | undefined> {
    try {
      const { insertId } = await this.#db.insertInto("users").values(user).executeTakeFirstOrThrow();
      return this.findById(Number(insertId));
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  async update(id: number, changes: Updateable<UsersTable>, db: Db = this.#db): Promise<UserRow | undefined> {
    await db.updateTable("users").set(changes).where("id", "=", id).execute();
    return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  list({ query, status, ...page }: { query?: string; status?: UserRow["status"] } & PageQuery) {
    let select = this.#db.selectFrom("users");
    if (status) select = select.where("status", "=", status);
    if (query) {
      select = select.where((eb) =>
        eb.or([contains(eb.ref("email"), query), contains(eb.ref("nickname"), query)]),
      );
    }
    return fetchPage(
      select.selectAll().orderBy("id"),
      select.select((eb) => eb.fn.countAll<number>().as("total")),
      page,
    );
  }
}

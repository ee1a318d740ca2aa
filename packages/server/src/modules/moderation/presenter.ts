import type { Warning } from "@codechef/contract";
import { iso } from "../../shared/time.ts";
import type { UserRow } from "../../shared/user-row.ts";
import { presentUser } from "../users/presenter.ts";

export interface WarningRow {
  id: number;
  user_id: number;
  issued_by: number;
  reason: string;
  created_at: number;
}

/** A warning with the user as it stands after it. */
export function presentWarning(warning: WarningRow, user: UserRow): Warning {
  return {
    id: warning.id,
    userId: warning.user_id,
    issuedBy: warning.issued_by,
    reason: warning.reason,
    warningCount: user.warning_count,
    user: presentUser(user),
    createdAt: iso(warning.created_at),
  };
}

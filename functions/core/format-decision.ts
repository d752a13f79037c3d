import type { Decision } from "./decisions";

/** One line per decision, for the console of the local runtime and for `funnel plan`. */
export function formatDecision(decision: Decision): string {
  switch (decision.kind) {
    case "grade":
      return `grade       ${decision.leadId} → ${decision.grade}: ${decision.reason}`;
    case "transition":
      return `transition  ${decision.leadId} ${decision.from ?? "∅"} → ${decision.to}: ${decision.reason}`;
    case "dwell-alert":
      return `dwell-alert ${decision.leadId} → ${decision.recipientId ?? "nobody"} (${decision.notify}): ${decision.reason}`;
    case "anomaly":
      return `anomaly     ${decision.anomaly} → ${decision.recipients.join(", ") || "nobody"}: ${decision.reason}`;
    case "rollup":
      return `rollup      ${decision.managerId} week ${decision.week} ${decision.outcome}: ${decision.reason}`;
    case "rollup-snapshot":
      return `rollup-snapshot week ${decision.week}: ${decision.reason}`;
    case "drift":
      return `drift       ${decision.repId} ${decision.funnel}#${decision.stage} ${decision.outcome}: ${decision.reason}`;
    case "timer":
      return `timer       ${decision.leadId} level ${decision.dwellLevel}: ${decision.reason}`;
    case "email":
      return `email       ${decision.to.join(", ")} "${decision.subject}": ${decision.reason}`;
    case "undeliverable":
      return `undeliverable ${decision.recipientId ?? "nobody"} (${decision.leadIds.length} leads): ${decision.reason}`;
    case "ledger":
      return `ledger      ${decision.leadId} ${decision.entry}: ${decision.deltas.map((d) => `${d.repId} ${d.stage} ${d.count > 0 ? "+" : ""}${d.count}`).join(", ") || "no aggregate change"} (${decision.reason})`;
    case "cold":
      return `cold        ${decision.leadId} → pool ${decision.pool}: ${decision.reason}`;
    case "sale":
      return `sale        ${decision.leadId} ${decision.amount}: ${decision.reason}`;
    case "entry-check":
      return `entry-check ${decision.leadId} in ${decision.stage}: ${decision.reason}`;
    case "assign":
      return `assign      ${decision.leadId} → ${decision.repId ?? `pool ${decision.pool}`} (${decision.via}): ${decision.reason}`;
    case "reassign":
      return `reassign    ${decision.leadId} ${decision.from} → ${decision.to ?? `pool ${decision.pool}`} (${decision.via}): ${decision.reason}`;
    case "release":
      return `release     ${decision.leadId} → ${decision.stage}: ${decision.reason}`;
    case "dwell-action":
      return `dwell-action ${decision.leadId} ${decision.action}: ${decision.reason}`;
    case "record-problem":
      return `record-problem ${decision.recordId}: ${decision.reason}`;
  }
}

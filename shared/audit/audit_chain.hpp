#pragma once

#include "shared/core/clock.hpp"

#include <pqxx/pqxx>

#include <cstdint>
#include <optional>
#include <string>

namespace shared::audit {

// One entry of idexx_sync_audit_log. `details_json` holds ids, counts, codes and hashes only (no
// names, phones, notes or secrets), with integer numbers only so that it survives jsonb unchanged.
struct AuditEntry
{
  std::optional<std::string> user_id;
  std::optional<std::string> clinic_id;   // NULL: the `global` chain
  std::optional<std::string> sync_session_id;
  std::string run_id;
  std::string action_type;                // one of the CHECK's values (data-model.md 11)
  std::string resource_type;
  std::optional<std::string> resource_id;
  std::string status = "success";         // success | failure
  std::string details_json = "{}";
  std::string event_key;                  // idempotency: run id, action and resource
};

// A stored entry as the chain sees it.
struct ChainedEntry
{
  AuditEntry entry;
  std::string chain_key;
  std::int64_t seq = 0;
  std::string created_at;                 // ISO-8601 UTC with microseconds
  std::optional<std::string> prev_hash;
  std::string hash;
};

// The canonical serialisation hashed for each entry (README, "Audit chain"): a JSON array of
// [seq, chain_key, created_at, run_id, user_id, clinic_id, sync_session_id, action_type,
// resource_type, resource_id, status, event_key, details with sorted keys, prev_hash], nulls as null.
std::string canonical_serialisation(const ChainedEntry& entry);
// SHA-256 hex of the canonical serialisation.
std::string entry_hash(const ChainedEntry& entry);

// Appends `entry` to its chain (the clinic's, or `global`): locks the chain head, returns false
// without writing when the chain already holds `entry.event_key` (a re-run adds nothing), else
// inserts with the next seq and the previous hash and moves the head. Runs in the caller's
// transaction, so a failed audit write fails the step.
bool append_entry(pqxx::work& tx, const AuditEntry& entry, Instant created_at, const std::string& user_agent);

struct BrokenLink
{
  std::string chain_key;
  std::int64_t seq = 0;        // the first entry that does not hold (0: the chain head itself)
  std::string reason;          // "hash mismatch", "missing entry", "prev_hash mismatch", ...
};

// Walks every chain (or only `chain_key`) in seq order and recomputes each hash. Returns the first
// entry that does not match (edited, deleted, inserted or re-ordered), or std::nullopt when every
// chain holds. With `from`/`to` only entries created in that range are reported, but the walk
// still starts at seq 1 so that a link across the boundary is checked.
std::optional<BrokenLink> verify_chains(pqxx::transaction_base& tx, const std::optional<std::string>& chain_key,
                                        const std::optional<Instant>& from = std::nullopt,
                                        const std::optional<Instant>& to = std::nullopt);

} // namespace shared::audit

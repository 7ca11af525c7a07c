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
  std::string user_agent;                 // `idexx-sync/<version> (<stage>)`
  std::optional<std::string> ip_address;  // inet as Postgres prints it; NULL for batch work
  std::optional<std::string> prev_hash;
  std::string hash;
};

// The canonical serialisation hashed for each entry (README, "Audit chain"): a JSON array of
// [seq, chain_key, created_at, run_id, user_id, clinic_id, sync_session_id, action_type,
// resource_type, resource_id, status, ip_address, user_agent, event_key, details with sorted keys,
// prev_hash], nulls as null. Every column of the row except its random `id` is covered.
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
  std::int64_t seq = 0;        // the first entry that does not hold
  std::string reason;          // "hash mismatch: ...", "missing entry ...", "duplicate seq ...", ...
};

struct ChainCheck
{
  std::optional<BrokenLink> broken;  // std::nullopt: every chain walked holds
  std::int64_t entries = 0;          // entries checked (inside `from`/`to` when given)
  std::int64_t chains = 0;           // chains holding at least one of them
};

// Walks every chain (or only `chain_key`) in seq order, recomputes each hash, checks each link and
// compares the end of each chain with its head in audit_chain_heads. Returns the first entry that
// does not hold: edited (any column but `id`), deleted (middle or newest), inserted (a duplicate
// seq in another month's partition, an entry past the head, a chain without a head) or re-ordered.
// With `from`/`to` an edited entry is reported (and an entry counted) only when it was created in
// that range, but the walk still starts at seq 1 so that a link across the boundary is checked;
// a gap, a duplicate seq or a head that does not match is reported wherever it is. Call it in a repeatable-read
// transaction when appends may run meanwhile, so that entries and heads come from one snapshot.
// Reads the log through a cursor (no whole-table result in memory). Database errors propagate.
ChainCheck check_chains(pqxx::transaction_base& tx, const std::optional<std::string>& chain_key,
                        const std::optional<Instant>& from = std::nullopt,
                        const std::optional<Instant>& to = std::nullopt);

// check_chains(...).broken.
std::optional<BrokenLink> verify_chains(pqxx::transaction_base& tx, const std::optional<std::string>& chain_key,
                                        const std::optional<Instant>& from = std::nullopt,
                                        const std::optional<Instant>& to = std::nullopt);

} // namespace shared::audit

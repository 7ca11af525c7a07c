#include "shared/audit/audit_chain.hpp"

#include "shared/crypto/hashing.hpp"
#include "shared/db/connection.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <map>
#include <set>

namespace shared::audit {

namespace {

using db::Query;

constexpr Query k_ensure_head{"audit.ensure_head", R"sql(
  INSERT INTO audit_chain_heads (chain_key, last_seq, last_hash) VALUES ($1, 0, NULL)
  ON CONFLICT (chain_key) DO NOTHING)sql"};

constexpr Query k_lock_head{"audit.lock_head",
                            "SELECT last_seq, last_hash FROM audit_chain_heads WHERE chain_key = $1 FOR UPDATE"};

constexpr Query k_event_exists{"audit.event_exists",
                               "SELECT 1 FROM idexx_sync_audit_log WHERE chain_key = $1 AND event_key = $2 LIMIT 1"};

constexpr Query k_insert_entry{"audit.insert_entry", R"sql(
  INSERT INTO idexx_sync_audit_log
    (user_id, clinic_id, sync_session_id, action_type, resource_type, resource_id, status, user_agent, details,
     created_at, run_id, chain_key, seq, prev_hash, hash, event_key)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::timestamptz, $11, $12, $13, $14, $15, $16))sql"};

constexpr Query k_move_head{"audit.move_head",
                            "UPDATE audit_chain_heads SET last_seq = $2, last_hash = $3 WHERE chain_key = $1"};

// Ordered by (chain_key, seq): every partition's unique (chain_key, seq) index serves the merge.
constexpr std::string_view k_select_chain = R"sql(
  SELECT chain_key, seq, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), run_id,
         user_id, clinic_id, sync_session_id, action_type, resource_type, resource_id, status, event_key,
         details::text, prev_hash, hash, user_agent, ip_address::text
    FROM idexx_sync_audit_log
   WHERE chain_key IS NOT NULL)sql";

constexpr std::string_view k_select_chain_order = " ORDER BY chain_key, seq, created_at, id";

constexpr std::string_view k_select_heads = R"sql(
  SELECT chain_key, last_seq, last_hash FROM audit_chain_heads
   WHERE $1::text IS NULL OR chain_key = $1 ORDER BY chain_key)sql";

constexpr std::ptrdiff_t k_cursor_stride = 2000;

nlohmann::json nullable(const std::optional<std::string>& value)
{
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::optional<std::string> optional_text(const pqxx::field& field)
{
  return field.is_null() ? std::nullopt : std::optional<std::string>(field.as<std::string>());
}

std::string chain_key_of(const AuditEntry& entry)
{
  return entry.clinic_id.value_or("global");
}

// uuid columns come back lower-case: hash them as they will be read.
std::optional<std::string> lower_case(std::optional<std::string> value)
{
  if (value) {
    for (auto& c : *value) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return value;
}

} // namespace

std::string canonical_serialisation(const ChainedEntry& chained)
{
  const auto& e = chained.entry;
  // nlohmann::json objects are ordered maps: dump() writes details with sorted keys.
  const nlohmann::json details = nlohmann::json::parse(e.details_json);
  const nlohmann::json fields = nlohmann::json::array(
      {chained.seq, chained.chain_key, chained.created_at, e.run_id, nullable(e.user_id), nullable(e.clinic_id),
       nullable(e.sync_session_id), e.action_type, e.resource_type, nullable(e.resource_id), e.status,
       nullable(chained.ip_address), chained.user_agent, e.event_key, details, nullable(chained.prev_hash)});
  return fields.dump(-1, ' ', true);
}

std::string entry_hash(const ChainedEntry& entry)
{
  return crypto::sha256_hex(canonical_serialisation(entry));
}

bool append_entry(pqxx::work& tx, const AuditEntry& given, Instant created_at, const std::string& user_agent)
{
  AuditEntry entry = given;
  entry.user_id = lower_case(entry.user_id);
  entry.clinic_id = lower_case(entry.clinic_id);
  entry.sync_session_id = lower_case(entry.sync_session_id);
  const auto chain_key = chain_key_of(entry);
  db::run(tx, k_ensure_head, chain_key);
  const auto head = db::run(tx, k_lock_head, chain_key);
  if (!db::run(tx, k_event_exists, chain_key, entry.event_key).empty()) {
    return false;
  }
  ChainedEntry chained{.entry = entry, .chain_key = chain_key, .seq = head[0][0].as<std::int64_t>() + 1,
                       .created_at = format_iso8601(created_at), .user_agent = user_agent, .ip_address = std::nullopt,
                       .prev_hash = optional_text(head[0][1]), .hash = ""};
  // Store details exactly as hashed: sorted keys, compact.
  chained.entry.details_json = nlohmann::json::parse(entry.details_json).dump();
  chained.hash = entry_hash(chained);
  db::run(tx, k_insert_entry, entry.user_id, entry.clinic_id, entry.sync_session_id, entry.action_type,
          entry.resource_type, entry.resource_id, entry.status, user_agent, chained.entry.details_json,
          chained.created_at, entry.run_id, chain_key, chained.seq, chained.prev_hash, chained.hash, entry.event_key);
  db::run(tx, k_move_head, chain_key, chained.seq, chained.hash);
  return true;
}

ChainCheck check_chains(pqxx::transaction_base& tx, const std::optional<std::string>& chain_key,
                        const std::optional<Instant>& from, const std::optional<Instant>& to)
{
  const auto in_range = [&](const std::string& created_at) {
    const auto instant = parse_iso8601(created_at);
    return (!from || instant >= *from) && (!to || instant <= *to);
  };
  ChainCheck check;
  std::string current_chain;
  bool chain_counted = false;
  std::int64_t expected_seq = 1;
  std::optional<std::string> previous_hash;
  std::map<std::string, std::pair<std::int64_t, std::string>> ends;

  std::string query(k_select_chain);
  if (chain_key) {
    query += " AND chain_key = " + tx.quote(*chain_key);
  }
  query += k_select_chain_order;
  // A cursor, not one result: six years of entries need not fit in memory.
  pqxx::icursorstream cursor(tx, query, "audit_verify", k_cursor_stride);
  pqxx::result rows;
  while (cursor >> rows) {
    for (const auto& row : rows) {
      ChainedEntry chained;
      chained.chain_key = row[0].as<std::string>();
      chained.seq = row[1].as<std::int64_t>();
      chained.created_at = row[2].as<std::string>();
      auto& e = chained.entry;
      e.run_id = row[3].is_null() ? "" : row[3].as<std::string>();
      e.user_id = optional_text(row[4]);
      e.clinic_id = optional_text(row[5]);
      e.sync_session_id = optional_text(row[6]);
      e.action_type = row[7].as<std::string>();
      e.resource_type = row[8].is_null() ? "" : row[8].as<std::string>();
      e.resource_id = optional_text(row[9]);
      e.status = row[10].as<std::string>();
      e.event_key = row[11].as<std::string>();
      e.details_json = row[12].is_null() ? "{}" : row[12].as<std::string>();
      chained.prev_hash = optional_text(row[13]);
      const auto stored_hash = row[14].as<std::string>();
      chained.user_agent = row[15].is_null() ? "" : row[15].as<std::string>();
      chained.ip_address = optional_text(row[16]);
      if (chained.chain_key != current_chain) {
        current_chain = chained.chain_key;
        chain_counted = false;
        expected_seq = 1;
        previous_hash.reset();
      }
      const bool counted = in_range(chained.created_at);
      const auto at = [&](std::int64_t seq, std::string reason) {
        check.broken = BrokenLink{.chain_key = chained.chain_key, .seq = seq, .reason = std::move(reason)};
        return check;
      };
      // Gaps and duplicates are reported wherever they are; a bad entry only inside the range.
      if (chained.seq < expected_seq) {
        return at(chained.seq, "duplicate seq: a second entry claims this position (inserted or re-ordered)");
      }
      if (chained.seq > expected_seq) {
        return at(expected_seq, "missing entry: the chain goes on at seq " + std::to_string(chained.seq));
      }
      if (counted) {
        // An append always writes these columns: NULL here would otherwise hash like "" or {}.
        if (row[3].is_null() || row[8].is_null() || row[12].is_null() || row[15].is_null()) {
          return at(chained.seq, "edited: a column every append writes (run_id, resource_type, details, "
                                 "user_agent) is NULL");
        }
        if (chained.prev_hash != previous_hash) {
          return at(chained.seq, "prev_hash does not match the previous entry's hash (re-ordered or "
                                 "an entry replaced)");
        }
        if (entry_hash(chained) != stored_hash) {
          return at(chained.seq, "hash mismatch: the entry was edited");
        }
        ++check.entries;
        if (!chain_counted) {
          chain_counted = true;
          ++check.chains;
        }
      }
      expected_seq = chained.seq + 1;
      previous_hash = stored_hash;
      ends[chained.chain_key] = {chained.seq, stored_hash};
    }
  }

  // The head remembers the newest entry: deleting the newest entries, or adding one past the head
  // without an append, shows here.
  std::set<std::string> has_head;
  for (const auto& row : tx.exec_params(std::string(k_select_heads), chain_key)) {
    const auto key = row[0].as<std::string>();
    const auto last_seq = row[1].as<std::int64_t>();
    const auto found = ends.find(key);
    const std::int64_t seen = found == ends.end() ? 0 : found->second.first;
    has_head.insert(key);
    const auto at = [&](std::int64_t seq, std::string reason) {
      check.broken = BrokenLink{.chain_key = key, .seq = seq, .reason = std::move(reason)};
      return check;
    };
    if (seen < last_seq) {
      return at(seen + 1, "missing entry: the chain ends at seq " + std::to_string(seen) + " but its head says seq " +
                              std::to_string(last_seq) + " (newest entries deleted)");
    }
    if (seen > last_seq) {
      return at(last_seq + 1, "entry past the chain head (head says seq " + std::to_string(last_seq) +
                                  "): inserted without an append, or the head was edited");
    }
    if (found != ends.end() && optional_text(row[2]) != found->second.second) {
      return at(last_seq, "the chain head's hash does not match the newest entry (head or entry replaced)");
    }
  }
  for (const auto& [key, end] : ends) {
    if (!has_head.contains(key)) {
      check.broken = BrokenLink{.chain_key = key, .seq = end.first,
                                .reason = "the chain has no head in audit_chain_heads (head deleted)"};
      return check;
    }
  }
  return check;
}

std::optional<BrokenLink> verify_chains(pqxx::transaction_base& tx, const std::optional<std::string>& chain_key,
                                        const std::optional<Instant>& from, const std::optional<Instant>& to)
{
  return check_chains(tx, chain_key, from, to).broken;
}

} // namespace shared::audit

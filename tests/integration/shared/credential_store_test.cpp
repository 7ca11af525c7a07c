// shared/credentials/credential_store.cpp against a real Postgres: storing, choosing (data-model.md
// §8), decrypting, rotating while readers run, revoking, and the binding of a ciphertext to its row.
#include "shared/credentials/credential_store.hpp"

#include "shared/core/errors.hpp"
#include "shared/crypto/aes_gcm.hpp"
#include "shared/crypto/credential_envelope.hpp"
#include "shared/crypto/key_ring.hpp"
#include "tests/support/database_fixture.hpp"
#include "tests/unit/shared/crypto/crypto_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace creds = shared::credentials;
namespace crypto = shared::crypto;

namespace {

// Key files k1 and k2 (v1) and "default" (the previous product's secret, shorter than 32 bytes).
struct Keys
{
  tests::TempKeyDirectory directory;

  Keys()
  {
    directory.write("k1", tests::test_secret("k1"));
    directory.write("k2", tests::test_secret("k2"));
    directory.write("default", "legacy-product-secret\n");
  }

  [[nodiscard]] std::unique_ptr<crypto::KeyRing> ring(const std::string& current) const
  {
    return std::make_unique<crypto::KeyRing>(
        crypto::KeyRingConfig{.directory = directory.path(), .current_key_id = current, .pbkdf2_iterations = 1000});
  }
};

std::string add_user(pqxx::connection& connection)
{
  pqxx::work tx(connection);
  const auto id = tx.exec1("INSERT INTO auth.users (id) VALUES (gen_random_uuid()) RETURNING id")[0].as<std::string>();
  tx.exec_params("INSERT INTO users (id, email, first_name, last_name, role) "
                 "VALUES ($1, $2, 'Test', 'User', 'veterinarian')",
                 id, id + "@clinic.example");
  tx.commit();
  return id;
}

std::string add_clinic(pqxx::connection& connection, const std::string& name)
{
  pqxx::work tx(connection);
  const auto id = tx.exec_params1("INSERT INTO clinics (name, timezone, pims_type, is_active) "
                                  "VALUES ($1, 'America/Chicago', 'idexx_neo', true) RETURNING id",
                                  name)[0]
                      .as<std::string>();
  tx.exec_params("INSERT INTO clinic_sync_state (clinic_id, idexx_sync_enabled) VALUES ($1, true)", id);
  tx.commit();
  return id;
}

void link(pqxx::connection& connection, const std::string& user, const std::string& clinic, bool primary,
          const std::string& linked_at)
{
  pqxx::work tx(connection);
  tx.exec_params("INSERT INTO user_clinic_access (user_id, clinic_id, role, is_primary, created_at) "
                 "VALUES ($1, $2, 'member', $3, $4::timestamptz)",
                 user, clinic, primary, linked_at);
  tx.commit();
}

std::string store(pqxx::connection& connection, crypto::KeyRing& ring, const std::string& user,
                  const std::string& clinic, const std::string& username, const std::string& password,
                  const std::string& company_id = "")
{
  pqxx::work tx(connection);
  const auto id = creds::store_credential(
      tx, ring,
      creds::NewCredential{.user_id = user, .clinic_id = clinic, .username = shared::Secret(username),
                           .password = shared::Secret(password), .company_id = company_id,
                           .validation_status = "unknown"});
  tx.commit();
  return id;
}

void set_created_at(pqxx::connection& connection, const std::string& credential, const std::string& at)
{
  pqxx::work tx(connection);
  tx.exec_params("UPDATE idexx_credentials SET created_at = $2::timestamptz WHERE id = $1", credential, at);
  tx.commit();
}

std::string insert_row(pqxx::connection& connection, const std::string& user, const std::optional<std::string>& clinic,
                       const std::string& username_bytea, const std::string& password_bytea,
                       const std::optional<std::string>& company_bytea, const std::string& encryption_key_id)
{
  pqxx::work tx(connection);
  const auto id = tx.exec_params1("INSERT INTO idexx_credentials (user_id, clinic_id, username_encrypted, "
                                  "password_encrypted, company_id_encrypted, encryption_key_id) "
                                  "VALUES ($1, $2, $3::bytea, $4::bytea, $5::bytea, $6) RETURNING id",
                                  user, clinic, username_bytea, password_bytea, company_bytea, encryption_key_id)[0]
                      .as<std::string>();
  tx.commit();
  return id;
}

// A user-wide row (clinic_id NULL), bound to the user as Decision 7 says.
std::string insert_user_wide(pqxx::connection& connection, crypto::KeyRing& ring, const std::string& user,
                             const std::string& username, const std::string& password)
{
  const auto seal = [&](const std::string& value, const char* field) {
    return crypto::to_bytea_hex(crypto::encrypt(
        ring, crypto::CredentialBinding{.clinic_id = std::nullopt, .user_id = user, .field = field},
        shared::Secret(value)));
  };
  return insert_row(connection, user, std::nullopt, seal(username, "username"), seal(password, "password"),
                    std::nullopt, crypto::encryption_key_id_column(ring.current_key_id()));
}

// The previous product's layout, IV ‖ tag ‖ ciphertext without associated data, with its key
// derivation. Tests only: the library never writes it.
std::string legacy_bytea(crypto::KeyRing& ring, const std::string& key_id, const std::string& plaintext)
{
  const auto iv = crypto::detail::random_bytes(crypto::detail::k_gcm_nonce_size);
  const auto sealed = crypto::detail::aes256_gcm_seal(
      ring.legacy_key(key_id).reveal(), iv, {},
      std::as_bytes(std::span<const char>(plaintext.data(), plaintext.size())));
  const auto tag_start = sealed.end() - static_cast<std::ptrdiff_t>(crypto::detail::k_gcm_tag_size);
  std::vector<std::byte> blob(iv.begin(), iv.end());
  blob.insert(blob.end(), tag_start, sealed.end());
  blob.insert(blob.end(), sealed.begin(), tag_start);
  return crypto::to_bytea_hex(blob);
}

std::optional<creds::StoredCredential> choose(pqxx::connection& connection, const std::string& clinic)
{
  pqxx::read_transaction tx(connection);
  return creds::choose_credential(tx, clinic);
}

std::string column_of(pqxx::connection& connection, const std::string& credential, const std::string& column)
{
  pqxx::read_transaction tx(connection);
  return tx.exec_params1("SELECT coalesce(" + column + "::text, '') FROM idexx_credentials WHERE id = $1",
                         credential)[0]
      .as<std::string>();
}

bool sync_enabled(pqxx::connection& connection, const std::string& clinic)
{
  pqxx::read_transaction tx(connection);
  return tx.exec_params1("SELECT idexx_sync_enabled FROM clinic_sync_state WHERE clinic_id = $1", clinic)[0]
      .as<bool>();
}

creds::RotationResult rotate_one(pqxx::connection& connection, crypto::KeyRing& ring, const std::string& credential)
{
  pqxx::work tx(connection);
  auto result = creds::rotate_credential(tx, ring, credential);
  tx.commit();
  return result;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(credentials_store, tests::TempDatabaseFixture)

BOOST_AUTO_TEST_CASE(a_stored_credential_is_chosen_and_decrypts_to_what_was_stored)
{
  Keys keys;
  auto ring = keys.ring("k1");
  auto connection = database.connect();
  const auto user = add_user(*connection);
  const auto clinic = add_clinic(*connection, "Round Trip");
  link(*connection, user, clinic, true, "2026-01-01T00:00:00Z");

  const auto id = store(*connection, *ring, user, clinic, "vet@clinic.example", "hunter2-password", "acme-42");

  const auto chosen = choose(*connection, clinic);
  BOOST_REQUIRE(chosen.has_value());
  BOOST_TEST(chosen->id == id);
  BOOST_TEST(chosen->user_id == user);
  BOOST_TEST(chosen->encryption_key_id == "v1:k1");
  BOOST_TEST(chosen->password_encrypted.find(tests::hex_of(std::string_view("hunter2-password"))) ==
             std::string::npos);
  const auto credential = creds::decrypt_credential(*keys.ring("k1"), *chosen); // a fresh process's ring
  BOOST_TEST(credential.credential_id == id);
  BOOST_TEST(credential.username.reveal() == "vet@clinic.example");
  BOOST_TEST(credential.password.reveal() == "hunter2-password");
  BOOST_TEST(credential.company_id == "acme-42");
}

BOOST_AUTO_TEST_CASE(chooses_a_clinic_row_first_then_the_primary_user_then_the_newest_row)
{
  Keys keys;
  auto ring = keys.ring("k1");
  auto connection = database.connect();
  const auto clinic = add_clinic(*connection, "Choice Order");
  const auto primary = add_user(*connection);
  const auto early = add_user(*connection); // linked first, not primary
  const auto late = add_user(*connection);  // linked last, not primary
  link(*connection, early, clinic, false, "2026-01-01T00:00:00Z");
  link(*connection, primary, clinic, true, "2026-01-02T00:00:00Z");
  link(*connection, late, clinic, false, "2026-01-03T00:00:00Z");

  // Only user-wide rows: the primary user's, although another user was linked earlier.
  const auto early_wide = insert_user_wide(*connection, *ring, early, "early", "pw-early");
  const auto primary_wide = insert_user_wide(*connection, *ring, primary, "primary", "pw-primary");
  BOOST_TEST(choose(*connection, clinic)->id == primary_wide);
  BOOST_TEST(creds::decrypt_credential(*ring, *choose(*connection, clinic)).username.reveal() == "primary");

  // Without the primary user's row: the oldest link.
  {
    pqxx::work tx(*connection);
    tx.exec_params("UPDATE idexx_credentials SET is_active = false WHERE id = $1", primary_wide);
    tx.commit();
  }
  BOOST_TEST(choose(*connection, clinic)->id == early_wide);

  // A row for the clinic beats every user-wide row, even one of a non-primary user.
  const auto late_row = store(*connection, *ring, late, clinic, "late", "pw-late");
  set_created_at(*connection, late_row, "2026-02-01T00:00:00Z");
  BOOST_TEST(choose(*connection, clinic)->id == late_row);

  // Among rows for the clinic, the newest.
  const auto early_row = store(*connection, *ring, early, clinic, "early-clinic", "pw-early-clinic");
  set_created_at(*connection, early_row, "2026-03-01T00:00:00Z");
  BOOST_TEST(choose(*connection, clinic)->id == early_row);
  set_created_at(*connection, early_row, "2026-01-15T00:00:00Z");
  BOOST_TEST(choose(*connection, clinic)->id == late_row);
  BOOST_TEST(creds::decrypt_credential(*ring, *choose(*connection, clinic)).username.reveal() == "late");
}

BOOST_AUTO_TEST_CASE(a_legacy_row_decrypts_and_after_rotation_is_a_v1_row_under_the_new_key)
{
  Keys keys;
  auto old_ring = keys.ring("k1");
  auto connection = database.connect();
  const auto user = add_user(*connection);
  const auto clinic = add_clinic(*connection, "Legacy");
  link(*connection, user, clinic, true, "2026-01-01T00:00:00Z");
  const auto legacy = insert_row(*connection, user, clinic, legacy_bytea(*old_ring, "default", "legacy-user"),
                                 legacy_bytea(*old_ring, "default", "legacy-password"),
                                 legacy_bytea(*old_ring, "default", "default"), "default");

  const auto before = creds::decrypt_credential(*old_ring, *choose(*connection, clinic));
  BOOST_TEST(before.credential_id == legacy);
  BOOST_TEST(before.username.reveal() == "legacy-user");
  BOOST_TEST(before.password.reveal() == "legacy-password");
  BOOST_TEST(before.company_id.empty()); // the product's "default" means none

  auto new_ring = keys.ring("k2");
  const auto result = rotate_one(*connection, *new_ring, legacy);
  BOOST_TEST((result.outcome == creds::RotationOutcome::rotated));
  BOOST_TEST(result.from_key_id_column == "default");
  BOOST_TEST(result.to_key_id_column == "v1:k2");
  BOOST_TEST(column_of(*connection, legacy, "encryption_key_id") == "v1:k2");
  // 0x01 ‖ len 2 ‖ "k2" ‖ nonce ‖ ciphertext ‖ tag
  const std::string v1_k2_prefix = "\\x0102" + tests::hex_of(std::string_view("k2"));
  BOOST_TEST(column_of(*connection, legacy, "username_encrypted").rfind(v1_k2_prefix, 0) == 0U);
  BOOST_TEST(column_of(*connection, legacy, "password_encrypted").rfind(v1_k2_prefix, 0) == 0U);
  BOOST_TEST(column_of(*connection, legacy, "company_id_encrypted").rfind(v1_k2_prefix, 0) == 0U);

  // It no longer needs the legacy key file.
  std::filesystem::remove(keys.directory.path() / "default");
  const auto after = creds::decrypt_credential(*keys.ring("k2"), *choose(*connection, clinic));
  BOOST_TEST(after.credential_id == legacy);
  BOOST_TEST(after.username.reveal() == "legacy-user");
  BOOST_TEST(after.password.reveal() == "legacy-password");
  BOOST_TEST(after.company_id.empty());

  BOOST_TEST((rotate_one(*connection, *new_ring, legacy).outcome == creds::RotationOutcome::already_current));
}

BOOST_AUTO_TEST_CASE(rotation_re_encrypts_every_row_active_or_not_and_skips_rows_already_current)
{
  Keys keys;
  auto old_ring = keys.ring("k1");
  auto connection = database.connect();
  const auto user = add_user(*connection);
  const auto other = add_user(*connection);
  const auto clinic = add_clinic(*connection, "Every Row");
  link(*connection, user, clinic, true, "2026-01-01T00:00:00Z");
  link(*connection, other, clinic, false, "2026-01-02T00:00:00Z");
  const auto replaced = store(*connection, *old_ring, user, clinic, "old-user", "old-password");
  const auto active = store(*connection, *old_ring, user, clinic, "new-user", "new-password"); // deactivates `replaced`
  const auto wide = insert_user_wide(*connection, *old_ring, other, "wide-user", "wide-password");
  const auto legacy = insert_row(*connection, other, clinic, legacy_bytea(*old_ring, "default", "legacy-user"),
                                 legacy_bytea(*old_ring, "default", "legacy-password"), std::nullopt, "default");
  BOOST_TEST(column_of(*connection, replaced, "is_active") == "false");

  auto new_ring = keys.ring("k2");
  const auto already_clinic = add_clinic(*connection, "Already Current");
  link(*connection, other, already_clinic, true, "2026-01-01T00:00:00Z");
  store(*connection, *new_ring, other, already_clinic, "x", "y");
  std::vector<std::string> audited;
  const auto report = creds::rotate_all_credentials(
      *connection, *new_ring,
      [&](pqxx::work&, const creds::RotationResult& rotated) { audited.push_back(rotated.credential_id); });
  BOOST_TEST(report.rotated == 4);
  BOOST_TEST(report.already_current == 1);
  BOOST_TEST(report.failed == 0);
  BOOST_TEST(audited.size() == 4U);
  for (const auto& id : {replaced, active, wide, legacy}) {
    BOOST_TEST(column_of(*connection, id, "encryption_key_id") == "v1:k2");
  }
  // The inactive row still decrypts under its new key (bound to its clinic and fields).
  const auto inactive = creds::StoredCredential{
      .id = replaced, .user_id = user, .clinic_id = clinic,
      .username_encrypted = column_of(*connection, replaced, "username_encrypted"),
      .password_encrypted = column_of(*connection, replaced, "password_encrypted"), .company_id_encrypted = {},
      .encryption_key_id = "v1:k2", .validation_status = "unknown", .sync_enabled = true};
  BOOST_TEST(creds::decrypt_credential(*new_ring, inactive).password.reveal() == "old-password");
  const auto user_wide = creds::StoredCredential{
      .id = wide, .user_id = other, .clinic_id = std::nullopt,
      .username_encrypted = column_of(*connection, wide, "username_encrypted"),
      .password_encrypted = column_of(*connection, wide, "password_encrypted"), .company_id_encrypted = {},
      .encryption_key_id = "v1:k2", .validation_status = "unknown", .sync_enabled = true};
  BOOST_TEST(creds::decrypt_credential(*new_ring, user_wide).username.reveal() == "wide-user");

  const auto again = creds::rotate_all_credentials(*connection, *new_ring);
  BOOST_TEST(again.rotated == 0);
  BOOST_TEST(again.already_current == 5);
}

BOOST_AUTO_TEST_CASE(a_reader_decrypting_in_a_loop_sees_no_failure_while_rotation_runs)
{
  constexpr int k_clinics = 12;
  Keys keys;
  auto connection = database.connect();
  std::vector<std::string> clinics;
  {
    auto ring = keys.ring("k1");
    for (int i = 0; i < k_clinics; ++i) {
      const auto user = add_user(*connection);
      clinics.push_back(add_clinic(*connection, "Busy " + std::to_string(i)));
      link(*connection, user, clinics.back(), true, "2026-01-01T00:00:00Z");
      store(*connection, *ring, user, clinics.back(), "user-" + std::to_string(i), "password-" + std::to_string(i));
    }
  }

  // The reader is a stage that started before the switch: its ring's current key is still k1.
  auto reader_ring = keys.ring("k1");
  std::atomic<bool> rotation_done{false};
  std::atomic<int> passes{0};
  std::atomic<int> reads_on_k1{0};
  std::atomic<int> reads_on_k2{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  std::thread reader([&] {
    auto reader_connection = database.connect("reader");
    const auto one_pass = [&] {
      for (int i = 0; i < k_clinics; ++i) {
        try {
          const auto chosen = choose(*reader_connection, clinics[static_cast<std::size_t>(i)]);
          if (!chosen) {
            throw std::runtime_error("no credential chosen");
          }
          const auto credential = creds::decrypt_credential(*reader_ring, *chosen);
          if (credential.password.reveal() != "password-" + std::to_string(i)) {
            throw std::runtime_error("wrong plaintext");
          }
          ++(chosen->encryption_key_id == "v1:k2" ? reads_on_k2 : reads_on_k1);
        } catch (const std::exception& error) {
          const std::lock_guard lock(failures_mutex);
          failures.push_back("clinic " + std::to_string(i) + ": " + error.what());
        }
      }
      ++passes;
    };
    while (!rotation_done) {
      one_pass();
    }
    one_pass(); // after the last commit
  });

  while (passes == 0) {
    std::this_thread::yield();
  }
  auto rotate_ring = keys.ring("k2");
  const auto report = creds::rotate_all_credentials(*connection, *rotate_ring, [](pqxx::work&, const auto&) {
    // Hold each row's lock a little, so the reader runs against locked, half-rotated tables.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  });
  rotation_done = true;
  reader.join();

  BOOST_TEST(failures.empty(),
             "reader failures: " << failures.size() << (failures.empty() ? "" : ", first: " + failures.front()));
  BOOST_TEST(report.rotated == k_clinics);
  BOOST_TEST(report.failed == 0);
  BOOST_TEST(passes >= 3);
  BOOST_TEST(reads_on_k1 > 0);
  BOOST_TEST(reads_on_k2 > 0);
  for (const auto& clinic : clinics) {
    BOOST_TEST(choose(*connection, clinic)->encryption_key_id == "v1:k2");
  }
}

BOOST_AUTO_TEST_CASE(revoke_stops_the_choice_and_turns_the_sync_off_for_that_clinic_only)
{
  Keys keys;
  auto ring = keys.ring("k1");
  auto connection = database.connect();
  const auto owner = add_user(*connection);
  const auto colleague = add_user(*connection);
  const auto clinic = add_clinic(*connection, "Revoked");
  const auto neighbour = add_clinic(*connection, "Neighbour");
  link(*connection, owner, clinic, true, "2026-01-01T00:00:00Z");
  link(*connection, colleague, clinic, false, "2026-01-02T00:00:00Z");
  link(*connection, owner, neighbour, true, "2026-01-01T00:00:00Z");
  const auto first = store(*connection, *ring, owner, clinic, "owner", "pw-owner");
  const auto second = store(*connection, *ring, colleague, clinic, "colleague", "pw-colleague");
  const auto kept = store(*connection, *ring, owner, neighbour, "owner-neighbour", "pw-neighbour");
  BOOST_REQUIRE(choose(*connection, clinic).has_value());

  creds::Revocation revocation;
  {
    pqxx::work tx(*connection);
    revocation = creds::revoke_clinic_credentials(tx, clinic);
    tx.commit();
  }
  BOOST_TEST(revocation.deactivated.size() == 2U);
  BOOST_TEST(revocation.user_wide_rows_left == 0);
  BOOST_TEST(!choose(*connection, clinic).has_value());
  BOOST_TEST(!sync_enabled(*connection, clinic));
  BOOST_TEST(column_of(*connection, first, "is_active") == "false");
  BOOST_TEST(column_of(*connection, second, "is_active") == "false");

  BOOST_REQUIRE(choose(*connection, neighbour).has_value());
  BOOST_TEST(choose(*connection, neighbour)->id == kept);
  BOOST_TEST(sync_enabled(*connection, neighbour));

  pqxx::work tx(*connection);
  BOOST_CHECK_THROW((void)creds::revoke_clinic_credentials(tx, "00000000-0000-4000-8000-000000000000"),
                    shared::UsageError);
}

BOOST_AUTO_TEST_CASE(revoke_leaves_a_linked_users_user_wide_row_active_and_counts_it)
{
  Keys keys;
  auto ring = keys.ring("k1");
  auto connection = database.connect();
  const auto owner = add_user(*connection);
  const auto clinic = add_clinic(*connection, "Wide");
  link(*connection, owner, clinic, true, "2026-01-01T00:00:00Z");
  store(*connection, *ring, owner, clinic, "owner", "pw-owner");
  const auto wide = insert_user_wide(*connection, *ring, owner, "owner-wide", "pw-wide");

  pqxx::work tx(*connection);
  const auto revocation = creds::revoke_clinic_credentials(tx, clinic);
  tx.commit();
  BOOST_TEST(revocation.deactivated.size() == 1U);
  BOOST_TEST(revocation.user_wide_rows_left == 1);
  BOOST_TEST(column_of(*connection, wide, "is_active") == "true");
  BOOST_TEST(!sync_enabled(*connection, clinic)); // the switch is what stops this clinic
}

BOOST_AUTO_TEST_CASE(a_ciphertext_copied_to_another_clinics_row_does_not_decrypt_nor_rotate)
{
  Keys keys;
  auto ring = keys.ring("k1");
  auto connection = database.connect();
  const auto user = add_user(*connection);
  const auto source = add_clinic(*connection, "Source");
  const auto target = add_clinic(*connection, "Target");
  link(*connection, user, source, true, "2026-01-01T00:00:00Z");
  link(*connection, user, target, true, "2026-01-01T00:00:00Z");
  store(*connection, *ring, user, source, "same-user", "source-password");
  const auto victim = store(*connection, *ring, user, target, "same-user", "target-password");
  {
    pqxx::work tx(*connection);
    tx.exec_params("UPDATE idexx_credentials SET password_encrypted = "
                   "(SELECT password_encrypted FROM idexx_credentials WHERE clinic_id = $1) WHERE id = $2",
                   source, victim);
    tx.commit();
  }
  const auto copied_bytes = column_of(*connection, victim, "password_encrypted");

  const auto chosen = choose(*connection, target);
  BOOST_REQUIRE(chosen.has_value());
  BOOST_TEST(chosen->id == victim);
  BOOST_CHECK_THROW((void)creds::decrypt_credential(*ring, *chosen), crypto::DecryptionFailed);

  // Rotation refuses it too: names the row and the field, writes nothing, rotates the rest.
  auto new_ring = keys.ring("k2");
  const auto report = creds::rotate_all_credentials(*connection, *new_ring);
  BOOST_TEST(report.rotated == 1);
  BOOST_TEST(report.failed == 1);
  BOOST_REQUIRE(report.failures.size() == 1U);
  BOOST_TEST(report.failures[0].credential_id == victim);
  BOOST_TEST(report.failures[0].failed_field == "password");
  BOOST_TEST(report.failures[0].failure.find(copied_bytes.substr(2, 16)) == std::string::npos);
  BOOST_TEST(column_of(*connection, victim, "encryption_key_id") == "v1:k1");
  BOOST_TEST(column_of(*connection, victim, "password_encrypted") == copied_bytes);
}

BOOST_AUTO_TEST_SUITE_END()

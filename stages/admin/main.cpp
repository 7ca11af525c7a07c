#include "shared/app/command_main.hpp"
#include "stages/admin/admin_commands.hpp"

int main(int argc, char** argv)
{
  using shared::app::FlagSpec;
  const FlagSpec clinic{"clinic", "UUID", "the clinic (clinics.id)"};
  return shared::app::command_main(
      argc, argv, "idexx-sync",
      {
          {"migrate", "apply pending migrations (advisory-locked, checksummed)", {}, admin::migrate},
          {"config check", "check the configuration file and exit", {}, admin::config_check},
          {"config keys", "print every configuration key with its default (a Markdown table)", {}, admin::config_keys},
          {"credentials set",
           "store a clinic's IDEXX Neo login, encrypted, after a real login",
           {{"user", "UUID", "the user who connects the clinic (needs user_clinic_access)"},
            clinic,
            {"username", "NAME", "the IDEXX Neo username"},
            {"company-id", "ID", "the IDEXX Neo company id, if the login form has one"},
            {"password-stdin", "", "read the password from standard input (required)"},
            {"no-validate", "", "store without logging in (validation_status stays unknown)"}},
           admin::credentials_set},
          {"credentials validate", "log in with the clinic's stored credential and record the result", {clinic},
           admin::credentials_validate},
          {"credentials rotate",
           "re-encrypt every stored credential to credential_keys.current_key_id (safe while stages run)", {},
           admin::credentials_rotate},
          {"credentials revoke", "deactivate the clinic's credentials and turn its sync off", {clinic},
           admin::credentials_revoke},
          {"clinics list", "list IDEXX Neo clinics with their sync state", {}, admin::clinics_list},
          {"clinics enable", "turn the sync on for a clinic", {clinic}, admin::clinics_enable},
          {"clinics disable", "turn the sync off for a clinic", {clinic}, admin::clinics_disable},
          {"audit verify",
           "check the audit hash chains; exit 1 naming the first bad entry",
           {{"clinic", "UUID", "only this clinic's chain"},
            {"from", "ISO", "report entries created at or after this instant (the walk still starts at seq 1)"},
            {"to", "ISO", "report entries created at or before this instant"}},
           admin::audit_verify},
          {"audit maintain",
           "create audit-log partitions ahead, drop those older than the retention (owner role only)",
           {{"months-ahead", "N", "months after the current one to create (default 3)"},
            {"retention-years", "N", "drop partitions whose whole range is older than this (default 6, at least 6)"}},
           admin::audit_maintain},
      });
}

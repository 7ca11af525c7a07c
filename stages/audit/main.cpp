#include "shared/app/stage_main.hpp"
#include "stages/audit/audit_stage.hpp"

int main(int argc, char** argv)
{
  return shared::app::stage_main(argc, argv, "idexx-sync-audit", "audit",
                                 "Closes the run: finalises each clinic's sync session, writes the hash-chained "
                                 "audit entries, closes the run when no clinic is left, deletes old staging rows.",
                                 audit::run_audit);
}

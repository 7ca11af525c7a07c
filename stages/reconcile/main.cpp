#include "shared/app/stage_main.hpp"
#include "stages/reconcile/reconcile_stage.hpp"

int main(int argc, char** argv)
{
  return shared::app::stage_main(argc, argv, "idexx-sync-reconcile", "reconcile",
                                 "Links the run's staged IDEXX Neo consultations to their cases and writes the notes "
                                 "into them (by consultation id, then appointment id; ambiguity goes to review).",
                                 reconcile::run_reconcile);
}

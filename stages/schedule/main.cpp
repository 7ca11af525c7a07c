#include "shared/app/stage_main.hpp"
#include "stages/schedule/schedule_stage.hpp"

int main(int argc, char** argv)
{
  return shared::app::stage_main(argc, argv, "idexx-sync-schedule", "schedule",
                                 "Decides which consultations linked in this run get a discharge call and when, "
                                 "writes the call rows first (outbox) and publishes them to QStash.",
                                 schedule::run_schedule);
}

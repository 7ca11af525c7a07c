#include "shared/app/stage_main.hpp"
#include "stages/extract/extract_stage.hpp"

int main(int argc, char** argv)
{
  return shared::app::stage_main(argc, argv, "idexx-sync-extract", "extract",
                                 "Opens or joins the run, logs in to IDEXX Neo for every enabled clinic and stages "
                                 "the calendar and consultations of its window in Postgres.",
                                 extract::run_extract);
}

// Candidate keys; see search_policy.h.
#include "search/search_policy.h"

namespace tt {

std::string candidate_key(const Candidate& candidate) { return steps_to_json(candidate).dump(); }

}  // namespace tt

// "Did you mean ...?" for names a user mistyped (layer types, commands,
// flags): the closest candidate by edit distance, ignoring case.
#pragma once

#include <string>
#include <vector>

namespace cnn {

// Optimal-string-alignment distance (insertions, deletions, substitutions
// and swaps of neighbours each cost 1), case-insensitive.
int EditDistance(const std::string& a, const std::string& b);

// The candidate closest to `word` when it is close enough to be a typo of
// it (at most max(1, length / 3) edits, or equal ignoring case); "" when
// none is. Ties go to the earlier candidate.
std::string ClosestMatch(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'X'?)" for ClosestMatch's X, "" when it found none.
std::string DidYouMean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace cnn

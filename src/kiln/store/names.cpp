#include <array>
#include <cctype>
#include <random>
#include <string_view>
#include <system_error>

#include "kiln/store/store.h"
#include "kiln/util/error.h"

namespace kiln::store {

namespace {

// Word lists for generated names: a mood, then someone who built
// computing or science. Kept short; collisions are retried with a digit.
constexpr std::array<std::string_view, 48> moods = {
  "amber",  "brave",  "bright", "calm",     "cheerful", "clever", "cosmic",
  "crisp",  "daring", "eager",  "fearless", "frosty",   "gentle", "golden",
  "happy",  "humble", "jolly",  "keen",     "kind",     "lively", "lucid",
  "mellow", "merry",  "nimble", "noble",    "patient",  "plucky", "polite",
  "proud",  "quick",  "quiet",  "rapid",    "serene",   "sharp",  "shiny",
  "silent", "smooth", "snappy", "steady",   "sturdy",   "sunny",  "swift",
  "tidy",   "upbeat", "vivid",  "warm",     "wise",     "witty"};

constexpr std::array<std::string_view, 48> people = {
  "ampere",   "archimedes", "babbage",  "bohr",      "boole",   "carson",
  "curie",    "dijkstra",   "dirac",    "euclid",    "euler",   "faraday",
  "fermi",    "feynman",    "franklin", "gauss",     "goodall", "hamilton",
  "hawking",  "hertz",      "hilbert",  "hopper",    "hubble",  "jemison",
  "joule",    "kepler",     "knuth",    "lamarr",    "leibniz", "liskov",
  "lovelace", "maxwell",    "meitner",  "newton",    "noether", "ohm",
  "pascal",   "pasteur",    "planck",   "ramanujan", "riemann", "ritchie",
  "sagan",    "shannon",    "tesla",    "thompson",  "turing",  "volta"};

// How many names `generate_name` tries before giving up, as Buildx.
constexpr int name_tries = 6;

bool is_letter(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

} // namespace

bool is_valid_name(const std::string& name)
{
  if (name.empty() || !is_letter(name[0])) {
    return false;
  }
  for (char c : name) {
    if (!is_letter(c) && !is_digit(c) && c != '.' && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

void validate_name(const std::string& name)
{
  // Buildx's text word for word (the name unquoted), so that scripts
  // matching its errors keep working.
  if (!is_valid_name(name)) {
    throw util::UserError("invalid name " + name +
                          ", name needs to start with a letter and may not "
                          "contain symbols, except ._-");
  }
}

std::string normalize_name(const std::string& name)
{
  validate_name(name);

  std::string out = name;
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string generate_name(const Store& store)
{
  std::random_device seed;
  std::mt19937 random(seed());
  auto pick = [&random](const auto& words) {
    std::uniform_int_distribution<size_t> index(0, words.size() - 1);
    return std::string(words[index(random)]);
  };

  for (int attempt = 0; attempt < name_tries; ++attempt) {
    std::string name = pick(moods) + "_" + pick(people);
    if (attempt > 0) {
      std::uniform_int_distribution<int> digit(0, 9);
      name += std::to_string(digit(random));
    }

    std::error_code ec;
    auto status =
      std::filesystem::symlink_status(store.dir() / "instances" / name, ec);
    if (!std::filesystem::exists(status)) {
      return name;
    }
  }

  throw util::UserError("failed to generate random name");
}

} // namespace kiln::store

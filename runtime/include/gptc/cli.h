// The command-line conventions of gptc and of every generated `train`: one
// library (CLI11, header-only) and one way to end a parse, so both tools print
// the same --help layout and the same one-line error for an unknown flag or a
// bad value:  PROG: error: MESSAGE (run PROG --help for the options)
#ifndef GPTC_RUNTIME_CLI_H
#define GPTC_RUNTIME_CLI_H

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

namespace gptc::cli {

/// Parses argv into `app`. Returns -1 to go on, 0 after printing --help (of the
/// subcommand it was asked of), 1 after printing one error line to stderr.
inline int parse(CLI::App &app, int argc, char **argv, const std::string &prog) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError &e) {
    std::cerr << prog << ": error: " << e.what() << " (run " << prog << " --help for the options)\n";
    return 1;
  }
  return -1;
}

/// Validators with one wording for every tool: "expects a non-negative number, got 'many'".
inline CLI::Validator numberAtLeast(double least, bool strict) {
  return CLI::Validator(
      [least, strict](std::string &text) -> std::string {
        char *end = nullptr;
        double v = std::strtod(text.c_str(), &end);
        bool ok = !text.empty() && *end == '\0' && (strict ? v > least : v >= least);
        if (ok)
          return {};
        return std::string("expects ") + (strict ? "a positive" : "a non-negative") + " number, got '" + text + "'";
      },
      "");
}
inline const CLI::Validator NonNegative = numberAtLeast(0, false);
inline const CLI::Validator Positive = numberAtLeast(0, true);

/// A string option whose value must be one of a kind's spellings (an enum of
/// gptc/contract.h): `--schedule cosine`.
template <typename Kind>
CLI::Option *addKindOption(CLI::App &app, const std::string &name, Kind &target,
                           std::optional<Kind> (*parseKind)(std::string_view), const std::string &choices,
                           const std::string &help) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, parseKind, name, choices](const std::string &word) {
            std::optional<Kind> k = parseKind(word);
            if (!k)
              throw CLI::ValidationError(name, "expected " + choices + ", got '" + word + "'");
            target = *k;
          },
          help)
      ->type_name("WORD");
}

} // namespace gptc::cli

#endif

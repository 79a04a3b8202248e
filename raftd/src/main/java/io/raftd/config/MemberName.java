package io.raftd.config;

import java.util.regex.Pattern;

/** What a member's name may be: names appear in paths, logs and DNS-like contexts, so one lower-case label. */
public final class MemberName {
  private static final Pattern PATTERN = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  /** The rule, as error messages state it. */
  public static final String RULE =
      "1 to 63 lower-case letters, digits and '-', starting with a letter or digit, such as \"n1\"";

  private MemberName() {}

  public static boolean valid(String name) {
    return PATTERN.matcher(name).matches();
  }
}

package org.mos.common.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The static bearer tokens a service accepts ({@code Authorization: Bearer TOKEN}), and the token
 * file format its clients read. One home for both sides: the scorer's and the trainer's
 * authentication mechanisms check presented tokens here, the evaluator's {@code --token-file} is
 * read here.
 *
 * <p>A token file holds one token per line; blank lines and lines starting with {@code #} are
 * skipped (a Kubernetes Secret mounted as a file usually holds exactly one line). Tokens are at
 * least {@value #MIN_LENGTH} characters of visible ASCII, without spaces.
 *
 * <p>{@link #accepts} compares in constant time: it hashes the presented token (SHA-256) and
 * compares the digest with every accepted token's digest with {@link MessageDigest#isEqual}, never
 * stopping early, so neither the position of the first wrong character nor which token matched
 * shows in the time taken.
 */
public final class BearerTokens {

  /** The shortest token accepted: 16 characters (about 96 bits when random base64). */
  public static final int MIN_LENGTH = 16;

  private final List<byte[]> digests;

  private BearerTokens(List<byte[]> digests) {
    this.digests = List.copyOf(digests);
  }

  /**
   * The given tokens.
   *
   * @param source where they came from, for error messages (a config key or a file)
   * @throws IllegalArgumentException naming the source when a token is too short or has characters
   *     other than visible ASCII
   */
  public static BearerTokens of(Collection<String> tokens, String source) {
    List<byte[]> digests = new ArrayList<>();
    int n = 0;
    for (String token : tokens) {
      n++;
      check(token, source + " (token " + n + ")");
      digests.add(sha256(token));
    }
    return new BearerTokens(digests);
  }

  /**
   * The tokens of a token file (one per line, {@code #} comments and blank lines skipped).
   *
   * @throws IllegalArgumentException naming the file when it cannot be read, holds no token or a
   *     malformed one
   */
  public static List<String> readFile(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the token file " + file + ": " + e.getMessage(), e);
    }
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String t = lines.get(i).strip();
      if (!t.isEmpty() && !t.startsWith("#")) {
        check(t, "the token file " + file + " (line " + (i + 1) + ")");
        tokens.add(t);
      }
    }
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("the token file " + file + " holds no token");
    }
    return tokens;
  }

  /** The first token of a token file: what a client sends. */
  public static String readClientToken(Path file) {
    return readFile(file).get(0);
  }

  /** Whether no token is accepted. */
  public boolean isEmpty() {
    return digests.isEmpty();
  }

  /** How many tokens are accepted. */
  public int size() {
    return digests.size();
  }

  /**
   * Whether {@code presented} is one of the tokens, compared in constant time (see the class
   * comment); null is never accepted.
   */
  public boolean accepts(String presented) {
    if (presented == null) {
      return false;
    }
    byte[] digest = sha256(presented);
    boolean found = false;
    for (byte[] d : digests) {
      // no short-circuit: every digest is compared whatever matched before
      found |= MessageDigest.isEqual(d, digest);
    }
    return found;
  }

  /**
   * The token of an {@code Authorization} header value of the {@code Bearer} scheme (the scheme's
   * case ignored, RFC 6750), or empty when the value is null, of another scheme or has no token.
   */
  public static Optional<String> fromAuthorization(String header) {
    if (header == null) {
      return Optional.empty();
    }
    String h = header.strip();
    int space = h.indexOf(' ');
    if (space < 0 || !h.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
      return Optional.empty();
    }
    String token = h.substring(space + 1).strip();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }

  /** The {@code Authorization} header value that carries {@code token}. */
  public static String authorization(String token) {
    return "Bearer " + token;
  }

  private static void check(String token, String where) {
    if (token == null || token.length() < MIN_LENGTH) {
      throw new IllegalArgumentException(
          where
              + ": a token must have at least "
              + MIN_LENGTH
              + " characters, this one has "
              + (token == null ? 0 : token.length()));
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= ' ' || c > '~') {
        throw new IllegalArgumentException(
            where + ": a token is visible ASCII without spaces; character " + (i + 1) + " is not");
      }
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}

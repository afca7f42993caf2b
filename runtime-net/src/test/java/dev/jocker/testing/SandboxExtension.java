package dev.jocker.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each privileged test a fresh {@link Sandbox} and closes it afterwards, whether the test
 * passed, failed or timed out. Refuses to run outside the namespaced JVM of {@code
 * tools/sandbox-jvm/bin/java}, so that no test can reach the machine's own network.
 */
final class SandboxExtension
    implements ExecutionCondition, BeforeEachCallback, AfterEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace STORE =
      ExtensionContext.Namespace.create(SandboxExtension.class);

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String missing = missingPrecondition();
    if (missing == null || "true".equals(System.getenv("CI"))) {
      return ConditionEvaluationResult.enabled("privileged sandbox available");
    }
    return ConditionEvaluationResult.disabled("privileged test skipped: " + missing);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    String missing = missingPrecondition();
    if (missing != null) {
      throw new AssertionError("privileged tests must run in CI, but " + missing);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Sandbox sandbox = context.getStore(STORE).remove(Sandbox.class, Sandbox.class);
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Sandbox.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context
        .getStore(STORE)
        .getOrComputeIfAbsent(Sandbox.class, k -> new Sandbox(), Sandbox.class);
  }

  private static String missingPrecondition() {
    if (!isRoot()) {
      return "not running as root (run the README's test command with sudo)";
    }
    if (!"1".equals(System.getenv("JOCKER_SANDBOX_JVM"))) {
      return "the JVM is not in its own namespace (run through `mvn verify`, which uses"
          + " tools/sandbox-jvm/bin/java)";
    }
    return null;
  }

  private static boolean isRoot() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(line -> line.startsWith("Uid:"))
          .anyMatch(line -> line.split("\\s+")[1].equals("0"));
    } catch (IOException e) {
      return false;
    }
  }
}

package dev.jocker.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that needs root and a real kernel. Such tests run under failsafe (name them
 * {@code *IT}) in a JVM that sits in its own network and mount namespace, and each test method gets
 * a fresh {@link Sandbox} parameter. Without root they are skipped with a reason; with {@code
 * CI=true} a skip is a failure.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("privileged")
@ExtendWith(SandboxExtension.class)
public @interface Privileged {}

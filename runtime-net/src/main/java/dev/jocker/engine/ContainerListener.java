package dev.jocker.engine;

/**
 * Receives container events ({@link Engine#addListener}) on the thread that made the change, after
 * it was recorded, in the order of the changes to one container. It must not block: hand lengthy
 * work to a thread of its own.
 */
@FunctionalInterface
public interface ContainerListener {
  void event(ContainerEvent event);
}

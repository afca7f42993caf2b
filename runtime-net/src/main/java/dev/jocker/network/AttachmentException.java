package dev.jocker.network;

/**
 * An attachment of an external sandbox refused or failed ({@link ExternalSandboxes}); the reason is
 * what a front door (the CNI plugin) turns into its own error code, the message is fit for a user.
 */
public final class AttachmentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Reason {
    /** The container has this interface on this network already. */
    ALREADY_ATTACHED,
    /** The container's namespace has an interface of that name already. */
    INTERFACE_EXISTS,
    /** Every address of the network's range is leased. */
    NO_FREE_ADDRESS,
    /** No such attachment. */
    UNKNOWN_ATTACHMENT,
    /** The network's configuration cannot be served as given. */
    INVALID_NETWORK,
    /** The namespace path is not a network namespace that can be opened. */
    INVALID_NAMESPACE,
    /** CHECK: what the attachment made is no longer all in place. */
    DAMAGED
  }

  private final Reason reason;

  public AttachmentException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public AttachmentException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}

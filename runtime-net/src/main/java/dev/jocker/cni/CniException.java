package dev.jocker.cni;

/**
 * A CNI error result: the spec's code (or jocker's own, from 100), a short message and the details
 * that say what failed, on what, and why.
 */
public final class CniException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The configuration's cniVersion is not one this plugin speaks. */
  public static final int INCOMPATIBLE_VERSION = 1;

  /** A field of the configuration is not supported; the details name the key and its value. */
  public static final int UNSUPPORTED_FIELD = 2;

  /** The container (attachment) is unknown. */
  public static final int UNKNOWN_CONTAINER = 3;

  /** A CNI_ environment variable is missing or invalid; the details name it. */
  public static final int INVALID_ENVIRONMENT = 4;

  /** Reading the configuration or the plugin's own state failed. */
  public static final int IO_FAILURE = 5;

  /** The configuration (or a delegate's answer) is not JSON of the expected shape. */
  public static final int DECODING_FAILURE = 6;

  /** The configuration is JSON but its values are invalid. */
  public static final int INVALID_CONFIG = 7;

  /** A transient condition: another operation holds the network too long, jockerd went away. */
  public static final int TRY_AGAIN_LATER = 11;

  /** STATUS: the plugin cannot serve ADD requests now (the pool is full). */
  public static final int NOT_AVAILABLE = 50;

  /** jocker's own: the kernel or iptables refused a step. */
  public static final int KERNEL_FAILURE = 100;

  /** jocker's own: ADD for a (container, ifname) that is attached already. */
  public static final int ALREADY_ATTACHED = 101;

  /** jocker's own: the container already has an interface of that name. */
  public static final int INTERFACE_EXISTS = 102;

  /** jocker's own: every address of the network's range is leased. */
  public static final int NO_FREE_ADDRESS = 103;

  /** jocker's own: CHECK found the attachment's interface, address, route or rules gone. */
  public static final int ATTACHMENT_DAMAGED = 104;

  /** jocker's own: a delegated plugin could not be run, or gave an answer that is not a result. */
  public static final int DELEGATE_FAILED = 105;

  /** jocker's own: anything else; the details carry the cause's message, never a stack trace. */
  public static final int INTERNAL = 106;

  private final int code;
  private final String msg;

  public CniException(int code, String msg, String details) {
    super(details);
    this.code = code;
    this.msg = msg;
  }

  public CniException(int code, String msg, String details, Throwable cause) {
    super(details, cause);
    this.code = code;
    this.msg = msg;
  }

  /** The error code. */
  public int code() {
    return code;
  }

  /** The short message ({@code msg}). */
  public String msg() {
    return msg;
  }

  /** The long message ({@code details}). */
  public String details() {
    return getMessage();
  }
}

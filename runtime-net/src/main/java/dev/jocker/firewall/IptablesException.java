package dev.jocker.firewall;

/** iptables refused a command; the message names the rule and quotes iptables' stderr. */
public final class IptablesException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IptablesException(String message) {
    super(message);
  }
}

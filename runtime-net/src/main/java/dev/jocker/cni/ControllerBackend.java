package dev.jocker.cni;

import dev.jocker.firewall.IptablesException;
import dev.jocker.ipam.Ipv4;
import dev.jocker.ipam.Subnet;
import dev.jocker.kernel.KernelException;
import dev.jocker.network.AttachmentException;
import dev.jocker.network.ExternalNetwork;
import dev.jocker.network.ExternalSandboxes;
import dev.jocker.store.StoreException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@link CniBackend} of the network controller: each attachment is an endpoint of the
 * controller's external sandbox for the container, on a network the configuration describes, with
 * leases in jocker's store and every change journaled there first ({@link ExternalSandboxes}). This
 * class only translates: CNI's terms in, the controller's refusals out as the spec's codes.
 */
public final class ControllerBackend implements CniBackend {
  private final ExternalSandboxes sandboxes;

  public ControllerBackend(ExternalSandboxes sandboxes) {
    this.sandboxes = sandboxes;
  }

  @Override
  public Attached attach(Attachment a) {
    BridgeNetwork n = a.network();
    Subnet subnet;
    int gateway;
    Integer resultGateway;
    ExternalNetwork.Range range;
    if (a.given() != null) {
      subnet = Subnet.containing(Ipv4.format(a.given().address()) + "/" + a.given().prefixLength());
      resultGateway = a.given().gateway();
      gateway = resultGateway != null ? resultGateway : subnet.firstHost();
      range = null;
    } else {
      subnet = n.pool().subnet();
      gateway = n.pool().gateway();
      resultGateway = gateway;
      range = new ExternalNetwork.Range(n.pool().first(), n.pool().last());
    }
    ExternalNetwork network =
        new ExternalNetwork(
            n.name(), n.bridge(), n.mtu(), subnet, gateway, n.isGateway(), n.ipMasq(), range);
    try {
      ExternalSandboxes.Joined j =
          sandboxes.attach(
              new ExternalSandboxes.Attach(
                  network,
                  a.key().containerId(),
                  a.key().ifname(),
                  Path.of(a.netns()),
                  a.name(),
                  a.given() == null ? null : a.given().address(),
                  a.routes().stream()
                      .map(r -> new ExternalSandboxes.RouteSpec(r.dst(), r.gw()))
                      .toList(),
                  n.hairpin()));
      return new Attached(
          j.bridgeMac(),
          j.hostVeth(),
          j.hostMac(),
          j.containerMac(),
          Ipv4.toInet(j.address()),
          j.prefixLength(),
          resultGateway,
          a.routes());
    } catch (RuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public void detach(AttachmentKey key, BridgeNetwork network) {
    try {
      sandboxes.detach(network.name(), key.containerId(), key.ifname());
    } catch (RuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public void check(AttachmentKey key, BridgeNetwork network, String expectedAddress) {
    try {
      sandboxes.check(network.name(), key.containerId(), key.ifname(), expectedAddress);
    } catch (RuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public List<String> gc(BridgeNetwork network, Set<AttachmentKey> valid) {
    Set<ExternalSandboxes.Key> keys = new HashSet<>();
    for (AttachmentKey k : valid) {
      keys.add(new ExternalSandboxes.Key(k.containerId(), k.ifname()));
    }
    return sandboxes.gc(network.name(), keys);
  }

  @Override
  public void status(BridgeNetwork n) {
    if (n.pool() == null) {
      return;
    }
    NetConf.JockerIpam p = n.pool();
    try {
      sandboxes
          .unavailable(
              new ExternalNetwork(
                  n.name(),
                  n.bridge(),
                  n.mtu(),
                  p.subnet(),
                  p.gateway(),
                  n.isGateway(),
                  n.ipMasq(),
                  new ExternalNetwork.Range(p.first(), p.last())))
          .ifPresent(
              why -> {
                throw new CniException(CniException.NOT_AVAILABLE, "no free address", why);
              });
    } catch (RuntimeException e) {
      throw failure(e);
    }
  }

  /** The spec's error for what the controller refused, or for what failed under it. */
  static CniException failure(RuntimeException e) {
    if (e instanceof CniException c) {
      return c;
    }
    if (e instanceof AttachmentException a) {
      return switch (a.reason()) {
        case ALREADY_ATTACHED ->
            new CniException(CniException.ALREADY_ATTACHED, "already attached", a.getMessage(), a);
        case INTERFACE_EXISTS ->
            new CniException(CniException.INTERFACE_EXISTS, "interface exists", a.getMessage(), a);
        case NO_FREE_ADDRESS ->
            new CniException(CniException.NO_FREE_ADDRESS, "no free address", a.getMessage(), a);
        case UNKNOWN_ATTACHMENT ->
            new CniException(
                CniException.UNKNOWN_CONTAINER, "unknown container", a.getMessage(), a);
        case INVALID_NETWORK ->
            new CniException(
                CniException.INVALID_CONFIG, "invalid network configuration", a.getMessage(), a);
        case INVALID_NAMESPACE ->
            new CniException(
                CniException.INVALID_ENVIRONMENT,
                "invalid environment variables",
                "CNI_NETNS=" + a.getMessage(),
                a);
        case DAMAGED ->
            new CniException(
                CniException.ATTACHMENT_DAMAGED, "attachment damaged", a.getMessage(), a);
      };
    }
    if (e instanceof KernelException || e instanceof IptablesException) {
      return new CniException(
          CniException.KERNEL_FAILURE, "kernel operation failed", e.getMessage(), e);
    }
    if (e instanceof StoreException) {
      return new CniException(
          CniException.IO_FAILURE, "the state database failed", e.getMessage(), e);
    }
    return new CniException(
        CniException.INTERNAL, "internal error", String.valueOf(e.getMessage()), e);
  }
}

package dev.jocker.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jocker.kernel.KernelException;
import dev.jocker.network.AttachmentException;
import dev.jocker.network.AttachmentException.Reason;
import dev.jocker.store.StoreException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the controller refuses, and what fails under it, as the spec's codes and messages. */
class ControllerBackendTest {
  @Test
  void eachRefusalHasItsCode() {
    Map<Reason, Integer> codes =
        Map.of(
            Reason.ALREADY_ATTACHED, CniException.ALREADY_ATTACHED,
            Reason.INTERFACE_EXISTS, CniException.INTERFACE_EXISTS,
            Reason.NO_FREE_ADDRESS, CniException.NO_FREE_ADDRESS,
            Reason.UNKNOWN_ATTACHMENT, CniException.UNKNOWN_CONTAINER,
            Reason.INVALID_NETWORK, CniException.INVALID_CONFIG,
            Reason.INVALID_NAMESPACE, CniException.INVALID_ENVIRONMENT,
            Reason.DAMAGED, CniException.ATTACHMENT_DAMAGED);
    assertEquals(Reason.values().length, codes.size());
    codes.forEach(
        (reason, code) ->
            assertEquals(
                code,
                ControllerBackend.failure(new AttachmentException(reason, "why")).code(),
                reason.name()));
  }

  @Test
  void theDetailsAreTheControllersWordsAndANamespaceNamesItsVariable() {
    CniException e =
        ControllerBackend.failure(
            new AttachmentException(
                Reason.INVALID_NAMESPACE, "/run/netns/x cannot be opened: ENOENT"));
    assertEquals("invalid environment variables", e.msg());
    assertEquals("CNI_NETNS=/run/netns/x cannot be opened: ENOENT", e.details());
  }

  @Test
  void kernelStoreAndOtherFailuresAreJockersOwnOrIo() {
    assertEquals(
        CniException.KERNEL_FAILURE,
        ControllerBackend.failure(new KernelException("link add", "jk0", 1, null)).code());
    assertEquals(
        CniException.IO_FAILURE,
        ControllerBackend.failure(new StoreException("commit: SQLITE_FULL", null)).code());
    assertEquals(
        CniException.INTERNAL,
        ControllerBackend.failure(new IllegalStateException("surprise")).code());
  }
}

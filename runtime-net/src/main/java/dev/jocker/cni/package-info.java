/**
 * jocker as a CNI plugin (spec 1.1.0): the protocol (environment, configuration, results and errors
 * of every version from 0.3.0), delegation to other IPAM plugins, and the {@link
 * dev.jocker.cni.CniBackend} seam through which the plugin attaches containers that an orchestrator
 * made, which {@link dev.jocker.cni.ControllerBackend} implements on the network controller.
 */
package dev.jocker.cni;

package org.mos.trainer.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Data parallelism on one node: replica 0 trains on the parameters themselves; every other replica
 * trains on its own mirror of them, held by its own DJL {@link ParameterStore} on its device. After
 * the backward passes {@link #reduce()} adds the mirrors' gradients into the parameters' gradients,
 * so the optimiser sees the gradient of the whole batch; after the optimiser step {@link
 * #broadcast()} copies the new values back into the mirrors. Replicas are counted, not keyed by
 * device, so two replicas may share a device (that is how the tests exercise this path on a CPU).
 */
final class Replicas implements AutoCloseable {

  private final List<Device> devices;
  private final List<Parameter> trainable = new ArrayList<>();
  private final List<Parameter> all;
  private final NDManager[] managers;
  private final ParameterStore[] stores;

  /**
   * @param devices one device per replica; the first must be the parameters' device
   * @param primary the manager the parameters live in
   * @param parameters the model's parameters
   */
  Replicas(List<Device> devices, NDManager primary, Map<String, Parameter> parameters) {
    this.devices = List.copyOf(devices);
    this.all = List.copyOf(parameters.values());
    for (Parameter p : parameters.values()) {
      if (p.requiresGradient()) {
        trainable.add(p);
      }
    }
    managers = new NDManager[devices.size()];
    stores = new ParameterStore[devices.size()];
    for (int d = 0; d < devices.size(); d++) {
      managers[d] = primary.newSubManager(devices.get(d));
      // replica 0 reads the parameters themselves; the others get their own copies
      stores[d] =
          d == 0
              ? new ParameterStore(managers[d], false)
              : new MirrorStore(managers[d], devices.get(d), parameters.values());
    }
  }

  int size() {
    return devices.size();
  }

  Device device(int replica) {
    return devices.get(replica);
  }

  /** The manager for replica {@code replica}'s temporary arrays (on its device). */
  NDManager manager(int replica) {
    return managers[replica];
  }

  /** The parameter store replica {@code replica}'s forward pass reads its weights from. */
  ParameterStore store(int replica) {
    return stores[replica];
  }

  /** Adds every mirror's gradient into its parameter's gradient and clears the mirror's. */
  void reduce() {
    for (int d = 1; d < stores.length; d++) {
      for (Parameter p : trainable) {
        NDArray mirror = stores[d].getValue(p, devices.get(d), true);
        try (NDArray total = p.getArray().getGradient();
            NDArray grad = mirror.getGradient();
            NDArray moved = grad.toDevice(total.getDevice(), true)) {
          total.addi(moved);
          grad.subi(grad);
        }
      }
    }
  }

  /** Copies the trainable parameters' values (after the optimiser step) into the mirrors. */
  void broadcast() {
    copyIntoMirrors(trainable);
  }

  /**
   * Copies every parameter's value, frozen ones included, into the mirrors: after the parameters
   * were overwritten in place (a checkpoint restored into a running finetuner).
   */
  void refresh() {
    copyIntoMirrors(all);
  }

  private void copyIntoMirrors(List<Parameter> parameters) {
    for (int d = 1; d < stores.length; d++) {
      for (Parameter p : parameters) {
        NDArray mirror = stores[d].getValue(p, devices.get(d), true);
        // in place, so the mirror keeps its identity and its attached gradient
        try (NDArray value = p.getArray().toDevice(devices.get(d), true)) {
          mirror.subi(mirror).addi(value);
        }
      }
    }
  }

  /**
   * A parameter store that answers with its own leaf copy of every parameter. DJL's store cannot be
   * used for this: its copy to the parameter's own device is the same PyTorch tensor, so the
   * "mirror" would share the parameter's gradient.
   */
  private static final class MirrorStore extends ParameterStore {

    private final Device device;
    private final Map<String, NDArray> mirrors = new java.util.HashMap<>();

    /** Copies the parameters now, outside any gradient recording, so the copies are leaves. */
    MirrorStore(NDManager manager, Device device, java.util.Collection<Parameter> parameters) {
      super(manager, true);
      this.device = device;
      for (Parameter p : parameters) {
        NDArray source = p.getArray();
        NDArray copy =
            source.getDevice().equals(device) ? source.duplicate() : source.toDevice(device, true);
        copy.attach(manager);
        if (p.requiresGradient()) {
          copy.setRequiresGradient(true);
        }
        mirrors.put(p.getId(), copy);
      }
    }

    @Override
    public NDArray getValue(Parameter parameter, Device on, boolean training) {
      if (parameter == null) {
        return null;
      }
      if (!on.equals(device)) {
        throw new IllegalArgumentException("replica on " + device + " asked for " + on);
      }
      NDArray mirror = mirrors.get(parameter.getId());
      if (mirror == null) {
        throw new IllegalStateException("parameter " + parameter.getName() + " has no mirror");
      }
      return mirror;
    }
  }

  @Override
  public void close() {
    for (NDManager m : managers) {
      m.close();
    }
  }
}

package org.mos.trainer.export.autodiff;

import static org.mos.trainer.export.OnnxGraph.integer;
import static org.mos.trainer.export.autodiff.Backward.attr;
import static org.mos.trainer.export.autodiff.Backward.input;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.Set;

/**
 * Backward of element-wise ops (activations, arithmetic with broadcasting, Where, Cast) and of
 * Softmax / LogSoftmax. Derivatives at kinks follow PyTorch: ReLU and Clip pass nothing at the
 * threshold itself, HardSwish uses x / 3 + 1/2 on [-3, 3].
 */
final class PointwiseRules {

  private static final Set<Integer> FIRST = Set.of(0);
  private static final Set<Integer> BOTH = Set.of(0, 1);

  private PointwiseRules() {}

  static void register() {
    for (String op : new String[] {"Identity", "Dropout"}) {
      OperatorRules.add(op, FIRST, (b, n) -> b.accumulate(n.getInput(0), grad(b, n)));
    }
    OperatorRules.add("Cast", FIRST, PointwiseRules::cast);
    OperatorRules.add("Neg", FIRST, (b, n) -> b.accumulate(n.getInput(0), b.op("Neg", grad(b, n))));
    OperatorRules.add(
        "Relu",
        FIRST,
        (b, n) ->
            b.accumulate(
                n.getInput(0), b.masked(grad(b, n), b.op("Greater", n.getInput(0), b.real(0f)))));
    OperatorRules.add("LeakyRelu", FIRST, PointwiseRules::leakyRelu);
    OperatorRules.add("Clip", FIRST, PointwiseRules::clip);
    OperatorRules.add("HardSigmoid", FIRST, PointwiseRules::hardSigmoid);
    OperatorRules.add("HardSwish", FIRST, PointwiseRules::hardSwish);
    OperatorRules.add("Sigmoid", FIRST, PointwiseRules::sigmoid);
    OperatorRules.add("Tanh", FIRST, PointwiseRules::tanh);
    OperatorRules.add("Erf", FIRST, PointwiseRules::erf);
    OperatorRules.add(
        "Exp",
        FIRST,
        (b, n) -> b.accumulate(n.getInput(0), b.op("Mul", grad(b, n), n.getOutput(0))));
    OperatorRules.add("Sqrt", FIRST, PointwiseRules::sqrt);
    OperatorRules.add("Reciprocal", FIRST, PointwiseRules::reciprocal);
    OperatorRules.add("Pow", FIRST, PointwiseRules::pow);
    OperatorRules.add("Add", BOTH, (b, n) -> addOrSub(b, n, false));
    OperatorRules.add("Sub", BOTH, (b, n) -> addOrSub(b, n, true));
    OperatorRules.add("Mul", BOTH, PointwiseRules::mul);
    OperatorRules.add("Div", BOTH, PointwiseRules::div);
    OperatorRules.add("Where", Set.of(1, 2), PointwiseRules::where);
    OperatorRules.add("Softmax", FIRST, PointwiseRules::softmax);
    OperatorRules.add("LogSoftmax", FIRST, PointwiseRules::logSoftmax);
  }

  /** The gradient of the node's first output. */
  static String grad(Backward b, NodeProto n) {
    return b.gradient(n.getOutput(0));
  }

  private static void cast(Backward b, NodeProto n) {
    // only float -> float casts carry gradients (others make inactive values)
    b.accumulate(n.getInput(0), grad(b, n));
  }

  private static void leakyRelu(Backward b, NodeProto n) {
    String x = n.getInput(0);
    float alpha = attr(n, "alpha", 0.01f);
    String slope = b.op("Where", b.op("Greater", x, b.real(0f)), b.real(1f), b.real(alpha));
    b.accumulate(x, b.op("Mul", grad(b, n), slope));
  }

  private static void clip(Backward b, NodeProto n) {
    String x = n.getInput(0);
    String min = input(n, 1);
    String max = input(n, 2);
    if (min != null && b.active(min) || max != null && b.active(max)) {
      throw b.refuse("its bounds depend on the input");
    }
    String g = grad(b, n);
    // inside the open interval, as PyTorch's hardtanh (ReLU6) backward
    if (min != null) {
      g = b.masked(g, b.op("Greater", x, min));
    }
    if (max != null) {
      g = b.masked(g, b.op("Less", x, max));
    }
    b.accumulate(x, g);
  }

  private static void hardSigmoid(Backward b, NodeProto n) {
    String x = n.getInput(0);
    float alpha = attr(n, "alpha", 0.2f);
    float beta = attr(n, "beta", 0.5f);
    String z = b.op("Add", b.op("Mul", x, b.real(alpha)), b.real(beta));
    String g = b.masked(grad(b, n), b.op("Greater", z, b.real(0f)));
    g = b.masked(g, b.op("Less", z, b.real(1f)));
    b.accumulate(x, b.op("Mul", g, b.real(alpha)));
  }

  private static void hardSwish(Backward b, NodeProto n) {
    String x = n.getInput(0);
    String inner = b.op("Add", b.op("Div", x, b.real(3f)), b.real(0.5f));
    String upper = b.op("Where", b.op("Greater", x, b.real(3f)), b.real(1f), inner);
    String slope = b.op("Where", b.op("Less", x, b.real(-3f)), b.real(0f), upper);
    b.accumulate(x, b.op("Mul", grad(b, n), slope));
  }

  private static void sigmoid(Backward b, NodeProto n) {
    String y = n.getOutput(0);
    String slope = b.op("Mul", y, b.op("Sub", b.real(1f), y));
    b.accumulate(n.getInput(0), b.op("Mul", grad(b, n), slope));
  }

  private static void tanh(Backward b, NodeProto n) {
    String y = n.getOutput(0);
    String slope = b.op("Sub", b.real(1f), b.op("Mul", y, y));
    b.accumulate(n.getInput(0), b.op("Mul", grad(b, n), slope));
  }

  private static void erf(Backward b, NodeProto n) {
    String x = n.getInput(0);
    // d erf(x) / dx = 2 / sqrt(pi) exp(-x^2)
    String e = b.op("Exp", b.op("Neg", b.op("Mul", x, x)));
    String slope = b.op("Mul", e, b.real((float) (2 / Math.sqrt(Math.PI))));
    b.accumulate(x, b.op("Mul", grad(b, n), slope));
  }

  private static void sqrt(Backward b, NodeProto n) {
    String g = b.op("Div", grad(b, n), b.op("Mul", n.getOutput(0), b.real(2f)));
    b.accumulate(n.getInput(0), g);
  }

  private static void reciprocal(Backward b, NodeProto n) {
    String y = n.getOutput(0);
    b.accumulate(n.getInput(0), b.op("Neg", b.op("Mul", grad(b, n), b.op("Mul", y, y))));
  }

  private static void pow(Backward b, NodeProto n) {
    String x = n.getInput(0);
    String e = n.getInput(1);
    if (b.active(e)) {
      throw b.refuse("its exponent depends on the input");
    }
    AttributeProto[] toFloat = {integer("to", Backward.FLOAT)};
    String exponent = b.op("Cast", toFloat, e);
    String slope = b.op("Mul", exponent, b.op("Pow", x, b.op("Sub", exponent, b.real(1f))));
    b.accumulate(x, b.unbroadcast(b.op("Mul", grad(b, n), slope), x));
  }

  private static void addOrSub(Backward b, NodeProto n, boolean subtract) {
    String g = grad(b, n);
    String x = n.getInput(0);
    String y = n.getInput(1);
    if (b.active(x)) {
      b.accumulate(x, b.unbroadcast(g, x));
    }
    if (b.active(y)) {
      b.accumulate(y, b.unbroadcast(subtract ? b.op("Neg", g) : g, y));
    }
  }

  private static void mul(Backward b, NodeProto n) {
    String g = grad(b, n);
    String x = n.getInput(0);
    String y = n.getInput(1);
    if (b.active(x)) {
      b.accumulate(x, b.unbroadcast(b.op("Mul", g, y), x));
    }
    if (b.active(y)) {
      b.accumulate(y, b.unbroadcast(b.op("Mul", g, x), y));
    }
  }

  private static void div(Backward b, NodeProto n) {
    String g = grad(b, n);
    String x = n.getInput(0);
    String y = n.getInput(1);
    String gx = b.op("Div", g, y);
    if (b.active(x)) {
      b.accumulate(x, b.unbroadcast(gx, x));
    }
    if (b.active(y)) {
      // d (x / y) / dy = -(x / y) / y
      String gy = b.op("Neg", b.op("Mul", gx, n.getOutput(0)));
      b.accumulate(y, b.unbroadcast(gy, y));
    }
  }

  private static void where(Backward b, NodeProto n) {
    String g = grad(b, n);
    String condition = n.getInput(0);
    String zero = b.real(0f);
    if (b.active(n.getInput(1))) {
      b.accumulate(n.getInput(1), b.unbroadcast(b.op("Where", condition, g, zero), n.getInput(1)));
    }
    if (b.active(n.getInput(2))) {
      b.accumulate(n.getInput(2), b.unbroadcast(b.op("Where", condition, zero, g), n.getInput(2)));
    }
  }

  private static void softmax(Backward b, NodeProto n) {
    String y = n.getOutput(0);
    String g = grad(b, n);
    String axis = b.longs(attr(n, "axis", -1L));
    AttributeProto[] keep = {integer("keepdims", 1)};
    String dot = b.op("ReduceSum", keep, b.op("Mul", g, y), axis);
    b.accumulate(n.getInput(0), b.op("Mul", y, b.op("Sub", g, dot)));
  }

  private static void logSoftmax(Backward b, NodeProto n) {
    String g = grad(b, n);
    String axis = b.longs(attr(n, "axis", -1L));
    AttributeProto[] keep = {integer("keepdims", 1)};
    String total = b.op("ReduceSum", keep, g, axis);
    String p = b.op("Exp", n.getOutput(0));
    b.accumulate(n.getInput(0), b.op("Sub", g, b.op("Mul", p, total)));
  }
}

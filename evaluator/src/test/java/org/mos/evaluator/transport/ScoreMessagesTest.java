package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mos.common.score.OdinSettings;
import org.mos.scorer.grpc.v1.ScoreRequest;

/** The messaging transports' requests carry ODIN's settings in the scorer's proto fields. */
class ScoreMessagesTest {

  @Test
  void aRequestCarriesBothOdinFieldsOrNeither() throws Exception {
    byte[] png = {1, 2, 3};
    ScoreRequest withOdin =
        ScoreRequest.parseFrom(
            ScoreMessages.request(
                    "run", 7, "m", png, List.of("odin"), new OdinSettings(0.0014, 500))
                .toByteArray());
    assertThat(withOdin.getOdinEps()).isEqualTo(0.0014);
    assertThat(withOdin.getOdinTemperature()).isEqualTo(500);
    assertThat(ScoreMessages.odin(withOdin)).isEqualTo(new OdinSettings(0.0014, 500));
    // epsilon 0 is sent too: the scorer must not take the bundle's epsilon instead
    ScoreRequest zero =
        ScoreMessages.request("run", 8, "m", png, List.of(), new OdinSettings(0, 1000));
    assertThat(zero.hasOdinEps()).isTrue();
    ScoreRequest bundles = ScoreMessages.request("run", 9, "m", png, List.of("odin"));
    assertThat(bundles.hasOdinEps() || bundles.hasOdinTemperature()).isFalse();
    assertThat(ScoreMessages.odin(bundles)).isNull();
    // half a setting: the other half is the paper's, as the scorer reads it
    assertThat(ScoreMessages.odin(bundles.toBuilder().setOdinEps(0.01).build()))
        .isEqualTo(new OdinSettings(0.01, 1000));
  }
}

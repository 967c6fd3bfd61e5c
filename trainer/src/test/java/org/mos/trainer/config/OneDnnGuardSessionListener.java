package org.mos.trainer.config;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Applies {@link OneDnnCpuGuard} in the test JVM before any test class loads libtorch, as the
 * trainer's main does for the application (registered in {@code META-INF/services}).
 */
public class OneDnnGuardSessionListener implements LauncherSessionListener {

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    OneDnnCpuGuard.apply();
  }
}

/** A backtest's user error (bad option, unknown alert, missing tool): the CLI prints it and exits 2. */
export class BacktestError extends Error {
  override readonly name = 'BacktestError';
}

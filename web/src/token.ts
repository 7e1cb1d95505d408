/** The token prompt: a <dialog> that resolves with what was typed (empty on cancel). */
export function askToken(message: string): Promise<string> {
  const dialog = document.getElementById('token-dialog') as HTMLDialogElement;
  const input = document.getElementById('token-input') as HTMLInputElement;
  (document.getElementById('token-error') as HTMLElement).textContent = message;
  input.value = '';
  document.body.dataset.tokenPrompt = 'open';
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        document.body.dataset.tokenPrompt = 'closed';
        resolve(dialog.returnValue === 'ok' ? input.value.trim() : '');
      },
      { once: true },
    );
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
}

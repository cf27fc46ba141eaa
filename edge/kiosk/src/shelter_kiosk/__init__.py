"""The shelter kiosk (避難所キオスク): card reads onto the bus. Built in the kiosk issue."""
